"""Amplitude of band-passed EMG: moving RMS, linear envelope, rest baseline, calibration.

All functions take the band-passed signal (see :func:`~signal_core.emg.filters.filter_emg`)
with samples on ``axis`` and keep NaN where a value would depend on a lost sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from signal_core._validation import as_signal, check_fs, check_positive, seconds_to_samples
from signal_core.emg.config import EmgConfig
from signal_core.emg.filters import DEFAULT_CONFIG, apply_sos, filter_emg, lowpass, minimum_samples


def moving_rms(x: np.ndarray, fs: float, window: float = 0.1, *, causal: bool = False, axis: int = -1) -> np.ndarray:
    """Root mean square over a sliding window of ``window`` seconds.

    ``causal=False`` centres the window on each sample (offline); ``causal=True`` uses the
    ``window`` seconds ending at each sample, as the streaming engine does. Samples whose window
    is incomplete (the edges) or holds a NaN are NaN. Shape preserved, float64.
    """
    fs = check_fs(fs)
    width = seconds_to_samples(window, fs, name="window", minimum=2)
    arr = as_signal(x, axis=axis, min_samples=width)
    return np.moveaxis(moving_rms_last(arr, width, causal=causal), -1, axis)


def moving_rms_last(arr: np.ndarray, width: int, *, causal: bool) -> np.ndarray:
    n = arr.shape[-1]
    missing = np.isnan(arr)
    has_gaps = bool(missing.any())
    # Running sum of squares, built in place (each full-size temporary costs a pass).
    sums = np.empty(arr.shape[:-1] + (n + 1,))
    sums[..., 0] = 0.0
    running = sums[..., 1:]
    np.square(arr, out=running)
    if has_gaps:
        running[missing] = 0.0
    np.cumsum(running, axis=-1, out=running)
    out = np.empty(arr.shape)
    # The window of sample i is [i - w + 1, i] (causal) or starts (w - 1) // 2 earlier (centred).
    first = width - 1 if causal else (width - 1) // 2
    count = n - width + 1
    values = out[..., first : first + count]
    np.subtract(sums[..., width:], sums[..., :-width], out=values)  # values[k] sums [k, k + w)
    np.maximum(values, 0.0, out=values)  # cumulative-sum cancellation can dip below 0
    values *= 1.0 / width
    np.sqrt(values, out=values)
    out[..., :first] = np.nan
    out[..., first + count :] = np.nan
    if has_gaps:
        gaps = np.zeros(arr.shape[:-1] + (n + 1,), dtype=np.int64)
        np.cumsum(missing, axis=-1, out=gaps[..., 1:])
        values[(gaps[..., width:] - gaps[..., :-width]) > 0] = np.nan
    return out


def linear_envelope(
    x: np.ndarray, fs: float, cutoff: float = 6.0, *, order: int = 4, causal: bool = False, axis: int = -1
) -> np.ndarray:
    """Full-wave rectified signal low-passed at ``cutoff`` Hz (zero-phase unless ``causal``)."""
    fs = check_fs(fs)
    sos = lowpass(fs, check_positive(cutoff, name="cutoff"), order)
    arr = as_signal(x, axis=axis, min_samples=1 if causal else minimum_samples(sos))
    return np.moveaxis(apply_sos(sos, arr, zero_phase=not causal, rectify=True), -1, axis)


class Baseline(NamedTuple):
    """Rest level of an envelope: ``mean`` and ``sd`` shaped like the input without its samples
    axis, and ``start`` (first sample of the window used)."""

    mean: np.ndarray
    sd: np.ndarray
    start: np.ndarray


def rest_baseline(
    envelope: np.ndarray, fs: float, window: float = 0.5, *, clip: float | None = 3.0, axis: int = -1
) -> Baseline:
    """Rest level (mean and SD) of each row of ``envelope``, without a marked rest period.

    Starts from the quietest ``window`` seconds (lowest mean), which assumes only that some
    stretch of that length is at rest. That window alone is biased low (it is the minimum of
    many), so with ``clip`` the estimate is then widened to every sample of the row below
    ``mean + clip * SD`` and recomputed until it settles (sigma clipping from below): rest
    samples join, activity far above stays out. ``clip=None`` keeps the plain quietest window.
    NaN samples are ignored; a row with no NaN-free window gives NaN.
    """
    fs = check_fs(fs)
    width = seconds_to_samples(window, fs, name="window", minimum=2)
    arr = as_signal(envelope, axis=axis, min_samples=width)
    return rest_baseline_last(arr, width, None if clip is None else check_positive(clip, name="clip"))


def rest_baseline_last(arr: np.ndarray, width: int, clip: float | None) -> Baseline:
    """:func:`rest_baseline` on validated float64 ``arr`` (samples last), window in samples."""
    missing = np.isnan(arr)
    has_gaps = bool(missing.any())
    sums = np.zeros(arr.shape[:-1] + (arr.shape[-1] + 1,))
    np.cumsum(np.where(missing, 0.0, arr) if has_gaps else arr, axis=-1, out=sums[..., 1:])
    means = (sums[..., width:] - sums[..., :-width]) / width
    if has_gaps:
        gaps = np.zeros(sums.shape, dtype=np.int64)
        np.cumsum(missing, axis=-1, out=gaps[..., 1:])
        means[(gaps[..., width:] - gaps[..., :-width]) > 0] = np.inf
    start = np.argmin(means, axis=-1)
    usable = np.isfinite(np.take_along_axis(means, start[..., None], axis=-1)[..., 0])
    # Recompute the chosen window exactly rather than from the running sums.
    chosen = np.take_along_axis(arr, start[..., None] + np.arange(width), axis=-1)
    mean = np.where(usable, chosen.mean(axis=-1), np.nan)
    sd = np.where(usable, chosen.std(axis=-1, ddof=1), np.nan)
    if clip is not None:
        mean, sd = _sigma_clip_from_below(arr, missing, mean, sd, clip)
    return Baseline(mean, sd, start)


def _sigma_clip_from_below(
    arr: np.ndarray, missing: np.ndarray, mean: np.ndarray, sd: np.ndarray, clip: float
) -> tuple[np.ndarray, np.ndarray]:
    included = None
    for _ in range(50):  # iterations over the whole row, each one vectorised; usually < 10
        with np.errstate(invalid="ignore"):
            now = ~missing & (arr <= (mean + clip * sd)[..., None])
        if included is not None and np.array_equal(now, included):
            break
        included = now
        count = now.sum(axis=-1)
        enough = count > 1
        safe = np.where(enough, count, 2)
        mean = np.where(enough, np.where(now, arr, 0.0).sum(axis=-1) / safe, mean)
        spread = np.where(now, arr - mean[..., None], 0.0)
        sd = np.where(enough, np.sqrt((spread * spread).sum(axis=-1) / (safe - 1)), sd)
    return mean, sd


@dataclass(frozen=True)
class Calibration:
    """Per-channel session calibration in signal units (moving-RMS envelope values).

    ``rest`` is the envelope at rest and ``maximum`` the peak envelope of the maximal voluntary
    expression; :func:`normalise` maps ``rest`` to 0 % and ``maximum`` to 100 %.
    """

    rest: tuple[float, ...]
    maximum: tuple[float, ...]

    def __post_init__(self) -> None:
        rest = _float_tuple(self.rest, "rest")
        maximum = _float_tuple(self.maximum, "maximum")
        if len(rest) != len(maximum):
            raise ValueError(f"rest has {len(rest)} channel(s) but maximum has {len(maximum)}")
        for channel, (low, high) in enumerate(zip(rest, maximum, strict=True)):
            if not (math.isfinite(low) and math.isfinite(high)) or low < 0:
                raise ValueError(f"calibration of channel {channel} must be finite and >= 0, got {low}, {high}")
            if high <= low:
                raise ValueError(
                    f"calibration maximum of channel {channel} ({high:g}) is not above its rest level ({low:g})"
                )
        object.__setattr__(self, "rest", rest)
        object.__setattr__(self, "maximum", maximum)

    @property
    def n_channels(self) -> int:
        return len(self.rest)

    def to_dict(self) -> dict[str, list[float]]:
        return {"rest": list(self.rest), "maximum": list(self.maximum)}


def calibrate(
    recording: np.ndarray,
    fs: float,
    *,
    rest: tuple[int, int],
    maximum: tuple[int, int] | list[tuple[int, int]],
    config: EmgConfig = DEFAULT_CONFIG,
) -> Calibration:
    """Measure a :class:`Calibration` from a recording shaped ``(channels, samples)``.

    ``rest`` is a ``(start, stop)`` sample range recorded at rest; ``maximum`` is one range
    for all channels or one per channel (each muscle's maximal expression may be a different
    task). Rest is the mean moving-RMS envelope over its range, maximum the envelope's peak.
    """
    fs = check_fs(fs)
    arr = as_signal(recording, name="recording", min_ndim=2)
    if arr.ndim != 2:
        raise ValueError(f"recording must be (channels, samples), got shape {arr.shape}")
    n_channels, n = arr.shape
    ranges = [maximum] * n_channels if _is_range(maximum) else list(maximum)  # type: ignore[list-item]
    if len(ranges) != n_channels:
        raise ValueError(f"maximum needs one (start, stop) range or {n_channels}, got {len(ranges)}")
    filtered = filter_emg(arr, fs, config=config)
    envelope = moving_rms(filtered, fs, config.rms_window)
    rest_start, rest_stop = _check_range(rest, n, "rest")
    rest_levels, peaks = [], []
    for channel, span in enumerate(ranges):  # one slice per channel, not a loop over samples
        start, stop = _check_range(span, n, f"maximum[{channel}]")
        at_rest = envelope[channel, rest_start:rest_stop]
        at_max = envelope[channel, start:stop]
        if not (np.isfinite(at_rest).any() and np.isfinite(at_max).any()):
            raise ValueError(
                f"calibration ranges of channel {channel} hold no valid envelope sample "
                "(NaN gaps, or shorter than the RMS window)"
            )
        rest_levels.append(float(np.nanmean(at_rest)))
        peaks.append(float(np.nanmax(at_max)))
    return Calibration(tuple(rest_levels), tuple(peaks))


def normalise(values: Any, rest: Any, maximum: Any) -> np.ndarray:
    """Percent of calibration: ``100 * (values - rest) / (maximum - rest)``, broadcasting.

    For ``(channels, samples)`` envelopes pass ``rest[:, None]``; for the engine's
    ``(streams, channels)`` end-of-chunk values pass arrays shaped ``(streams, channels)`` or
    ``(channels,)``. Not clipped: below rest is negative, above the calibration is over 100.
    """
    values = np.asarray(values, dtype=np.float64)
    rest = np.asarray(rest, dtype=np.float64)
    span = np.asarray(maximum, dtype=np.float64) - rest
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(span > 0, 100.0 * (values - rest) / span, np.nan)


def _float_tuple(values: Any, name: str) -> tuple[float, ...]:
    try:
        result = tuple(float(v) for v in np.atleast_1d(np.asarray(values, dtype=np.float64)))
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a sequence of numbers, one per channel") from None
    if not result:
        raise ValueError(f"{name} needs at least one channel")
    return result


def _is_range(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, (int, np.integer)) for v in value)


def _check_range(span: Any, n: int, name: str) -> tuple[int, int]:
    try:
        start, stop = (int(v) for v in span)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a (start, stop) sample range, got {span!r}") from None
    if not 0 <= start < stop <= n:
        raise ValueError(f"{name}=({start}, {stop}) is not a non-empty range inside 0..{n}")
    return start, stop
