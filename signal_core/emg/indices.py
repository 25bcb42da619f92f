"""Clinical indices of CLINICAL.md 7: symmetry, co-activation, onset latency, time in zone.

Undefined values (a zero denominator, no valid sample, no onset) are NaN here; the trial
summary turns them into None for JSON.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from signal_core._validation import as_signal, check_fs


def symmetry_index(affected: Any, healthy: Any) -> np.ndarray:
    """Laterality index: affected-side RMS over healthy-side RMS, same muscle and task.

    Elementwise with broadcasting, e.g. trial RMS values or the engine's end-of-chunk envelopes
    shaped ``(streams,)``. 1 is symmetric; NaN where the healthy side is 0 or NaN.
    """
    affected = np.asarray(affected, dtype=np.float64)
    healthy = np.asarray(healthy, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(healthy > 0, affected / healthy, np.nan)


def coactivation_ratio(inhibit: np.ndarray, target: np.ndarray, *, axis: int = -1) -> np.ndarray:
    """Mean normalised inhibit-channel amplitude over mean normalised target-channel amplitude.

    Both inputs are envelopes already divided by their own channel maximum (the session
    calibration maximum, or the trial peak), same shape, samples on ``axis``. Samples where
    either is NaN are left out. Returns the leading shape; NaN where undefined.
    """
    a, b = _paired(inhibit, target, axis, ("inhibit", "target"))
    both = ~(np.isnan(a) | np.isnan(b))
    inhibit_mean = _masked_mean(a, both)
    target_mean = _masked_mean(b, both)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(target_mean > 0, inhibit_mean / target_mean, np.nan)


def winter_overlap(a: np.ndarray, b: np.ndarray, *, axis: int = -1) -> np.ndarray:
    """Winter's co-contraction index ``2 * common area / (area A + area B)``, from 0 to 1.

    ``a`` and ``b`` are non-negative normalised envelopes with samples on ``axis``; the common
    area is the area under ``min(a, b)``. Samples where either is NaN are left out.
    """
    a, b = _paired(a, b, axis, ("a", "b"))
    both = ~(np.isnan(a) | np.isnan(b))
    a = np.where(both, a, 0.0)
    b = np.where(both, b, 0.0)
    if (a < 0).any() or (b < 0).any():
        raise ValueError("winter_overlap needs non-negative envelopes (rectified or RMS amplitudes)")
    common = np.minimum(a, b).sum(axis=-1)
    total = a.sum(axis=-1) + b.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, 2.0 * common / total, np.nan)


def onset_latency(first: Any, second: Any, fs: float) -> np.ndarray:
    """Seconds from the ``first`` channel's onset to the ``second``'s (negative if it led).

    Onsets are sample indices (-1 = no onset, as from ``Activity.first_burst``); NaN where
    either is missing.
    """
    fs = check_fs(fs)
    first = np.asarray(first)
    second = np.asarray(second)
    defined = (first >= 0) & (second >= 0)
    return np.where(defined, (second - first) / fs, np.nan)


class ZoneTime(NamedTuple):
    """Time in the target zone: ``seconds`` and ``fraction`` of the valid samples."""

    seconds: np.ndarray
    fraction: np.ndarray


def time_in_zone(
    target: np.ndarray,
    fs: float,
    *,
    threshold: float,
    inhibit: np.ndarray | None = None,
    ceiling: float | None = None,
    axis: int = -1,
) -> ZoneTime:
    """Time the target channel is at or above ``threshold`` (and the inhibit channel at or
    below ``ceiling``, when given): the uptraining and inhibition protocols.

    ``target`` (and ``inhibit``) are normalised envelopes in % of calibration with samples on
    ``axis``; ``threshold``/``ceiling`` are in the same %. NaN samples count neither in nor
    out of the zone: ``fraction`` is over valid samples only.
    """
    fs = check_fs(fs)
    if (inhibit is None) != (ceiling is None):
        raise ValueError("inhibit and ceiling go together: give both or neither")
    t = as_signal(target, name="target", axis=axis)
    valid = ~np.isnan(t)
    with np.errstate(invalid="ignore"):
        inside = t >= float(threshold)
    if inhibit is not None:
        t, i = _paired(target, inhibit, axis, ("target", "inhibit"))
        valid &= ~np.isnan(i)
        with np.errstate(invalid="ignore"):
            inside &= i <= float(ceiling)  # type: ignore[arg-type]
    inside &= valid
    count = valid.sum(axis=-1)
    seconds = inside.sum(axis=-1) / fs
    fraction = np.divide(inside.sum(axis=-1), count, out=np.full(count.shape, np.nan), where=count > 0)
    return ZoneTime(seconds, fraction)


def _paired(a: Any, b: Any, axis: int, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    first = as_signal(a, name=names[0], axis=axis)
    second = as_signal(b, name=names[1], axis=axis)
    if first.shape != second.shape:
        raise ValueError(f"{names[0]} and {names[1]} must have the same shape, got {first.shape} and {second.shape}")
    return first, second


def _masked_mean(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    count = keep.sum(axis=-1)
    total = np.where(keep, values, 0.0).sum(axis=-1)
    return np.divide(total, count, out=np.full(count.shape, np.nan), where=count > 0)
