"""Power spectrum with NaN gaps, and the mean and median frequency used to follow fatigue.

The spectrum is Welch's (Hann window, 50 % overlap, constant detrend, density scaling; the
same numbers as ``scipy.signal.welch``), except that segments holding a NaN are left out of
the average instead of poisoning it. CLINICAL.md 7: compute on the band-passed signal, never
on a rectified one.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import signal

from signal_core._validation import as_signal, check_fs

_MIN_SEGMENT = 16


class Spectrum(NamedTuple):
    """``freqs`` (f,) in Hz; ``power`` (..., f) density; ``segments`` (...,) used per row."""

    freqs: np.ndarray
    power: np.ndarray
    segments: np.ndarray


@lru_cache(maxsize=16)
def _hann_cached(size: int) -> np.ndarray:
    return signal.get_window("hann", size)


def _hann(size: int) -> np.ndarray:
    return _hann_cached(size)


def default_nperseg(fs: float) -> int:
    """About a quarter second, rounded up to a power of two (512 at 2 kHz, 256 at 1 kHz)."""
    return int(2 ** np.ceil(np.log2(max(0.25 * fs, _MIN_SEGMENT))))


def power_spectrum(x: np.ndarray, fs: float, *, nperseg: int | None = None, axis: int = -1) -> Spectrum:
    """Welch power spectral density of ``x`` (``(..., samples)``) skipping NaN segments.

    ``nperseg`` defaults to :func:`default_nperseg` and shrinks to the signal length when the
    signal is shorter. Rows without one complete finite segment get NaN power.
    """
    fs = check_fs(fs)
    arr = as_signal(x, axis=axis, min_samples=_MIN_SEGMENT)
    size = min(default_nperseg(fs) if nperseg is None else int(nperseg), arr.shape[-1])
    if size < _MIN_SEGMENT:
        raise ValueError(f"nperseg must be at least {_MIN_SEGMENT} samples, got {nperseg}")
    return power_spectrum_last(arr, fs, size)


def power_spectrum_last(arr: np.ndarray, fs: float, size: int) -> Spectrum:
    """:func:`power_spectrum` on validated float64 ``arr`` (samples last), ``size``-sample frames."""
    n = arr.shape[-1]
    hop = size // 2
    count_frames = (n - size) // hop + 1
    frames = sliding_window_view(arr, size, axis=-1)[..., ::hop, :]
    window = _hann(size)
    # Frame means (for the constant detrend) and gap counts from hop-sized block sums: each
    # frame is two adjacent blocks when size is even, one block plus its next when odd.
    span = hop * (count_frames + 1) if size % 2 == 0 else n
    missing = np.isnan(arr)
    has_gaps = bool(missing.any())
    if size % 2 == 0 and span <= n:
        blocks = (np.where(missing, 0.0, arr) if has_gaps else arr)[..., :span]
        block_sums = blocks.reshape(arr.shape[:-1] + (count_frames + 1, hop)).sum(axis=-1)
        frame_means = (block_sums[..., :-1] + block_sums[..., 1:]) / size
    else:
        frame_means = np.where(np.isnan(frames), 0.0, frames).mean(axis=-1) if has_gaps else frames.mean(axis=-1)
    usable = np.ones(frame_means.shape, dtype=bool)
    if has_gaps:
        usable = ~np.isnan(frames).any(axis=-1)
        frame_means = np.where(usable, frame_means, 0.0)
        frames = np.where(usable[..., None], frames, 0.0)
    spectra = np.fft.rfft(frames * window, axis=-1)
    # Constant detrend without touching the frames again: with X = rfft(w * x) and
    # W = rfft(w), |X - m W|^2 = |X|^2 - 2 m Re(X conj(W)) + m^2 |W|^2, summed over frames.
    window_spectrum = np.fft.rfft(window)
    power = np.einsum("...sf,...sf->...f", spectra.real, spectra.real)
    power += np.einsum("...sf,...sf->...f", spectra.imag, spectra.imag)
    weighted = np.einsum("...s,...sf->...f", frame_means, spectra)
    power -= 2.0 * (weighted * window_spectrum.conj()).real
    power += np.sum(frame_means**2, axis=-1)[..., None] * np.abs(window_spectrum) ** 2
    # Density scaling, one-sided: the negative frequencies fold onto the positive ones.
    power *= 1.0 / (fs * np.sum(window**2))
    if size % 2:
        power[..., 1:] *= 2
    else:
        power[..., 1:-1] *= 2
    np.maximum(power, 0.0, out=power)
    count = usable.sum(axis=-1)
    mean_power = power / np.where(count > 0, count, 1)[..., None]
    mean_power[count == 0] = np.nan
    return Spectrum(np.fft.rfftfreq(size, 1.0 / fs), mean_power, count)


def spectral_frequencies(spectrum: Spectrum, band: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and median frequency (Hz) of a :class:`Spectrum`, within ``band`` if given.

    The median is interpolated between bins so it moves smoothly with the spectrum.
    """
    freqs, power = spectrum.freqs, spectrum.power
    if band is not None:
        low, high = band
        keep = (freqs >= low) & (freqs <= high)
        if not keep.any():
            raise ValueError(f"band {band} Hz holds no frequency bin of this spectrum")
        freqs, power = freqs[keep], power[..., keep]
    total = power.sum(axis=-1)
    defined = total > 0
    safe_total = np.where(defined, total, 1.0)
    mean = np.where(defined, (power * freqs).sum(axis=-1) / safe_total, np.nan)
    cumulative = np.cumsum(power, axis=-1)
    half = (0.5 * safe_total)[..., None]
    k = np.argmax(cumulative >= half, axis=-1)[..., None]
    below = np.where(k > 0, np.take_along_axis(cumulative, np.maximum(k - 1, 0), axis=-1), 0.0)
    at = np.take_along_axis(cumulative, k, axis=-1)
    step = freqs[1] - freqs[0] if freqs.size > 1 else 0.0
    fraction = np.divide(half - below, at - below, out=np.ones(at.shape), where=at > below)
    median = np.where(k > 0, freqs[np.maximum(k - 1, 0)] + fraction * step, freqs[0])[..., 0]
    median = np.where(defined, median, np.nan)
    return mean, median


def mean_frequency(
    x: np.ndarray,
    fs: float,
    *,
    band: tuple[float, float] | None = None,
    nperseg: int | None = None,
    axis: int = -1,
) -> np.ndarray:
    """Mean power frequency (Hz) of band-passed EMG, shape = ``x`` without the samples axis."""
    return spectral_frequencies(power_spectrum(x, fs, nperseg=nperseg, axis=axis), band)[0]


def median_frequency(
    x: np.ndarray,
    fs: float,
    *,
    band: tuple[float, float] | None = None,
    nperseg: int | None = None,
    axis: int = -1,
) -> np.ndarray:
    """Median power frequency (Hz) of band-passed EMG, shape = ``x`` without the samples axis."""
    return spectral_frequencies(power_spectrum(x, fs, nperseg=nperseg, axis=axis), band)[1]
