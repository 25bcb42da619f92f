"""Synthetic surface EMG with known truth (burst onsets, amplitudes) for the signal_core tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal


@dataclass(frozen=True)
class Burst:
    channel: int
    start: float  # s
    stop: float  # s
    amplitude: float  # RMS during the burst, in units of the rest RMS


def synthetic_emg(
    bursts: list[Burst],
    *,
    fs: float = 2000.0,
    duration: float = 10.0,
    n_channels: int = 2,
    rest: float = 1.0,
    seed: int = 0,
    ramp: float = 0.005,
) -> np.ndarray:
    """Surface-EMG-like noise ``(n_channels, samples)``: Gaussian noise shaped to an EMG
    spectrum (30-250 Hz, median near 100 Hz), unit RMS, amplitude-modulated to ``rest`` RMS
    outside bursts and to each burst's ``amplitude`` inside it, with ``ramp``-second rises.

    The truth is the burst table: onsets at ``start``, the RMS ratio between channels, etc.
    """
    rng = np.random.default_rng(seed)
    n = round(duration * fs)
    shaping = signal.butter(2, [30.0, 250.0], btype="bandpass", fs=fs, output="sos")
    carrier = signal.sosfiltfilt(shaping, rng.standard_normal((n_channels, n + 2000)))[:, 1000:-1000]
    carrier /= np.sqrt(np.mean(carrier**2, axis=-1, keepdims=True))
    envelope = np.full((n_channels, n), float(rest))
    t = np.arange(n) / fs
    for burst in bursts:
        rise = np.clip((t - burst.start) / ramp, 0.0, 1.0)
        fall = np.clip((burst.stop - t) / ramp, 0.0, 1.0)
        shape = np.sin(0.5 * np.pi * np.minimum(rise, fall)) ** 2
        envelope[burst.channel] = np.maximum(envelope[burst.channel], burst.amplitude * shape)
    return carrier * envelope
