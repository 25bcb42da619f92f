"""Input checks shared by signal_core: every public function validates at its boundary.

The checks raise ``ValueError`` with a message that names the argument and the problem, so a
Celery task or a websocket consumer can pass the message on unchanged.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def check_fs(fs: Any, *, name: str = "fs") -> float:
    """Return ``fs`` as a float after checking it is a finite, positive sampling rate in Hz."""
    if isinstance(fs, bool) or not isinstance(fs, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number (sampling rate in Hz), got {type(fs).__name__}")
    value = float(fs)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite sampling rate above 0 Hz, got {fs!r}")
    return value


def check_positive(value: Any, *, name: str, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking it is finite and > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number, got {type(value).__name__}")
    result = float(value)
    if not math.isfinite(result) or result < 0 or (result == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound}, got {value!r}")
    return result


def as_signal(
    x: Any,
    *,
    name: str = "x",
    axis: int = -1,
    min_ndim: int = 1,
    allow_nan: bool = True,
    min_samples: int = 1,
) -> np.ndarray:
    """Return ``x`` as float64 with the samples axis moved last.

    NaN marks lost samples and is kept (callers handle gaps); infinities are rejected because
    they are not a gap but a broken conversion upstream.
    """
    arr = np.asarray(x)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    if arr.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimension(s), got shape {arr.shape}")
    if not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"axis {axis} is out of range for {name} with shape {arr.shape}")
    arr = np.moveaxis(arr.astype(np.float64, copy=False), axis, -1)
    if arr.shape[-1] < min_samples:
        raise ValueError(f"{name} has {arr.shape[-1]} samples along axis {axis}; at least {min_samples} are needed")
    if arr.dtype.kind == "f":
        if np.isinf(arr).any():
            raise ValueError(f"{name} contains infinite values; use NaN to mark lost samples")
        if not allow_nan and np.isnan(arr).any():
            raise ValueError(f"{name} contains NaN; this function needs gap-free input")
    return arr


def seconds_to_samples(seconds: Any, fs: float, *, name: str, minimum: int = 1) -> int:
    """Convert a duration to a whole number of samples (rounded), at least ``minimum``."""
    duration = check_positive(seconds, name=name)
    samples = round(duration * fs)
    if samples < minimum:
        raise ValueError(f"{name}={duration} s is {samples} sample(s) at {fs:g} Hz; at least {minimum} are needed")
    return samples


def check_channel(index: Any, n_channels: int, *, name: str) -> int:
    """Return ``index`` as an int after checking it addresses one of ``n_channels`` channels."""
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise ValueError(f"{name} must be a channel index (int), got {index!r}")
    if not 0 <= int(index) < n_channels:
        raise ValueError(f"{name}={index} is not a channel of a recording with {n_channels} channels")
    return int(index)
