"""Signal quality of a raw EMG recording: NaN gaps, clipping, flat line, mains hum, artefacts.

Every measure is per row of an array shaped ``(..., channels, samples)``; events (gaps, flat
segments, artefact bursts) come back as :class:`~signal_core.emg._runs.Intervals` with the
row of each event, so nothing loops over channels or windows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from signal_core._validation import as_signal, check_fs, check_positive
from signal_core.emg._runs import Intervals, mask_from_intervals, runs, select
from signal_core.emg.config import EmgConfig
from signal_core.emg.filters import DEFAULT_CONFIG, filter_emg
from signal_core.emg.spectral import Spectrum, power_spectrum

# The upper quartile of |x| for Gaussian x is 1.1503 SD.
_UPPER_QUARTILE_TO_SD = 1.1503


@dataclass(frozen=True)
class QualityLimits:
    """When a measure becomes an issue. Heuristics, tuned on the EMGFlow facial recordings.

    clip_level
        Rail of the amplifier in signal units, if known; otherwise a run of
        ``min_clip_run`` or more samples sitting at a row's extreme value counts as clipped.
    flat_duration
        A run of identical consecutive samples this long (s) is a flat line (lead-off, or an
        amplifier stuck at a value).
    hum_ratio
        Share of in-band power within ``hum_halfwidth`` Hz of the mains frequency and its
        harmonics above which hum is reported.
    artefact_z, artefact_block, artefact_merge
        A band-passed sample beyond ``artefact_z`` times the local level belongs to an
        artefact; artefact samples closer than ``artefact_merge`` s form one burst. The local
        level is a robust SD per ``artefact_block``-second block (from the upper quartile of
        ``|x|``), the louder of each block and its two neighbours. Activity lasting over a
        quarter block raises its own level, so only brief, wild transients stand out: on the
        EMGFlow recordings voluntary EMG stays within 4 local SDs, the electrode pop reaches 17.
        Limitation: a strong twitch shorter than ~60 ms rising from rest (a blink picked up by
        a facial channel) can be reported as an artefact too.
    """

    clip_level: float | None = None
    min_clip_run: int = 3
    flat_duration: float = 0.1
    hum_ratio: float = 0.2
    hum_halfwidth: float = 2.0
    artefact_z: float = 10.0
    artefact_block: float = 0.25
    artefact_merge: float = 0.05

    def __post_init__(self) -> None:
        if self.clip_level is not None:
            check_positive(self.clip_level, name="clip_level")
        if not isinstance(self.min_clip_run, int) or self.min_clip_run < 2:
            raise ValueError(f"min_clip_run must be an int >= 2, got {self.min_clip_run!r}")
        for name in ("flat_duration", "hum_ratio", "hum_halfwidth", "artefact_z", "artefact_block"):
            check_positive(getattr(self, name), name=name)
        check_positive(self.artefact_merge, name="artefact_merge", allow_zero=True)


@dataclass(frozen=True)
class QualityReport:
    """Quality measures; per-row arrays have the recording's shape without the samples axis."""

    fs: float
    n_samples: int
    nan_fraction: np.ndarray
    nan_gaps: Intervals
    clipped_fraction: np.ndarray
    flat_fraction: np.ndarray
    flat_segments: Intervals
    mains_frequency: np.ndarray
    hum_ratio: np.ndarray
    artefacts: Intervals
    limits: QualityLimits

    def issues(self, *row: int) -> list[str]:
        """Names of the problems found in one row, e.g. ``["nan_gaps", "mains_hum"]``."""
        found = []
        if self.nan_fraction[row] > 0:
            found.append("nan_gaps")
        if self.clipped_fraction[row] > 0:
            found.append("clipping")
        if self.flat_fraction[row] > 0:
            found.append("flat_line")
        if self.hum_ratio[row] > self.limits.hum_ratio:
            found.append("mains_hum")
        if len(self.artefacts.in_row(*row)):
            found.append("artefacts")
        return found

    def channel(self, *row: int) -> dict[str, Any]:
        """JSON-serialisable report of one row (times in seconds, None where undefined)."""

        def spans(events: Intervals) -> list[list[float]]:
            return [[start / self.fs, stop / self.fs] for start, stop in events.in_row(*row).tolist()]

        hum = float(self.hum_ratio[row])
        return {
            "nan_fraction": float(self.nan_fraction[row]),
            "nan_gaps_s": spans(self.nan_gaps),
            "clipped_fraction": float(self.clipped_fraction[row]),
            "flat_fraction": float(self.flat_fraction[row]),
            "flat_segments_s": spans(self.flat_segments),
            "mains_frequency": float(self.mains_frequency[row]),
            "hum_ratio": hum if np.isfinite(hum) else None,
            "artefacts_s": spans(self.artefacts),
            "issues": self.issues(*row),
        }


def quality_report(
    x: np.ndarray,
    fs: float,
    *,
    mains: float | None = None,
    config: EmgConfig = DEFAULT_CONFIG,
    limits: QualityLimits | None = None,
    filtered: np.ndarray | None = None,
    axis: int = -1,
) -> QualityReport:
    """Check a raw recording ``x`` shaped ``(..., channels, samples)``.

    mains : 50 or 60 Hz, or None to measure both and report the stronger.
    config : the band (hum share is measured inside it) and the filter for artefact search.
    filtered : the zero-phase band-passed ``x`` if the caller already has it (saves a filter).
    """
    fs = check_fs(fs)
    limits = QualityLimits() if limits is None else limits
    if mains is not None and mains not in (50, 60):
        raise ValueError(f"mains must be 50, 60 or None, got {mains!r}")
    arr = as_signal(x, axis=axis)
    n = arr.shape[-1]
    missing = np.isnan(arr)
    gaps = runs(missing)

    clipped = _clipped(arr, missing, limits)
    flat = _flat_segments(arr, round(limits.flat_duration * fs))
    flat_fraction = _covered_fraction(arr.shape, flat)

    centred = arr - _nanmean(arr)[..., None]
    # About 1 Hz resolution so the hum lines stand apart from the EMG spectrum around them.
    nperseg = int(2 ** np.ceil(np.log2(fs)))
    spectrum = power_spectrum(centred, fs, nperseg=min(nperseg, n))
    candidates = (50.0, 60.0) if mains is None else (float(mains),)
    ratios = np.stack([_hum_ratio(spectrum, f0, config.band, limits.hum_halfwidth) for f0 in candidates])
    strongest = np.argmax(np.nan_to_num(ratios, nan=-1.0), axis=0)
    hum = np.take_along_axis(ratios, strongest[None], axis=0)[0]

    if filtered is None:
        band_passed = filter_emg(arr, fs, config=config)
    else:
        band_passed = as_signal(filtered, name="filtered", axis=axis)
        if band_passed.shape != arr.shape:
            raise ValueError(f"filtered has shape {band_passed.shape}, expected {arr.shape}")
    artefacts = _artefacts(band_passed, fs, limits)

    return QualityReport(
        fs=fs,
        n_samples=n,
        nan_fraction=missing.mean(axis=-1),
        nan_gaps=gaps,
        clipped_fraction=clipped,
        flat_fraction=flat_fraction,
        flat_segments=flat,
        mains_frequency=np.asarray(candidates)[strongest],
        hum_ratio=hum,
        artefacts=artefacts,
        limits=limits,
    )


def _clipped(arr: np.ndarray, missing: np.ndarray, limits: QualityLimits) -> np.ndarray:
    if limits.clip_level is not None:
        with np.errstate(invalid="ignore"):
            return (np.abs(arr) >= limits.clip_level).mean(axis=-1)
    filled = np.where(missing, np.nan, arr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN row has no extremes
        top = np.nanmax(filled, axis=-1, keepdims=True)
        bottom = np.nanmin(filled, axis=-1, keepdims=True)
    at_rail = (arr == top) | (arr == bottom)
    rail_runs = runs(at_rail)
    long_runs = select(rail_runs, rail_runs.duration >= limits.min_clip_run)
    return _covered_fraction(arr.shape, long_runs)


def _flat_segments(arr: np.ndarray, min_length: int) -> Intervals:
    # A run of k equal steps covers k + 1 samples; NaN never compares equal, so gaps don't count.
    same = np.zeros(arr.shape, dtype=bool)
    same[..., 1:] = arr[..., 1:] == arr[..., :-1]
    steady = runs(same)
    long_runs = select(steady, steady.duration + 1 >= max(min_length, 2))
    return Intervals(long_runs.index, long_runs.start - 1, long_runs.stop)


def _covered_fraction(shape: tuple[int, ...], events: Intervals) -> np.ndarray:
    return mask_from_intervals(shape, events).mean(axis=-1)


def _nanmean(arr: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(arr, axis=-1)


def _hum_ratio(spectrum: Spectrum, mains: float, band: tuple[float, float], halfwidth: float) -> np.ndarray:
    freqs = spectrum.freqs
    low, high = band
    in_band = (freqs >= low) & (freqs <= high)
    harmonics = mains * np.arange(1, int(high // mains) + 1)
    near_mains = (np.abs(freqs[:, None] - harmonics[None, :]) <= halfwidth).any(axis=1) & in_band
    total = spectrum.power[..., in_band].sum(axis=-1)
    hum = spectrum.power[..., near_mains].sum(axis=-1)
    return np.divide(hum, total, out=np.full(total.shape, np.nan), where=total > 0)


def _artefacts(band_passed: np.ndarray, fs: float, limits: QualityLimits) -> Intervals:
    n = band_passed.shape[-1]
    block = max(round(limits.artefact_block * fs), 4)
    n_blocks = -(-n // block)
    padded = np.full(band_passed.shape[:-1] + (n_blocks * block,), np.nan)
    np.abs(band_passed, out=padded[..., :n])
    blocks = padded.reshape(band_passed.shape[:-1] + (n_blocks, block))
    valid = np.sum(~np.isnan(blocks), axis=-1)
    # Upper quartile of |x| per block, scaled to an SD: activity filling a quarter of a block
    # lifts it, a brief spike does not. A block with under half its samples has no level.
    rank = np.maximum((0.75 * (valid - 1)).astype(np.intp), 0)
    if (valid == block).all():
        ordered = np.partition(blocks, int(rank.flat[0]), axis=-1)  # linear time, same rank
    else:
        ordered = np.sort(blocks, axis=-1)  # NaN sorts last, below each block's own rank
    level = np.take_along_axis(ordered, rank[..., None], axis=-1)[..., 0] / _UPPER_QUARTILE_TO_SD
    level[valid < block // 2] = np.nan
    # The louder neighbour counts, so the rising and falling edges of real contractions (whose
    # block is still mostly rest) are judged against the contraction, not against rest.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN neighbourhoods stay NaN
        before = np.concatenate([level[..., :1], level[..., :-1]], axis=-1)
        after = np.concatenate([level[..., 1:], level[..., -1:]], axis=-1)
        local = np.nanmax(np.stack([before, level, after]), axis=0)
    noise = np.repeat(local, block, axis=-1)[..., :n]
    with np.errstate(invalid="ignore", divide="ignore"):
        wild = np.abs(band_passed) > limits.artefact_z * noise
    events = runs(wild)
    merge = round(limits.artefact_merge * fs)
    if merge > 0 and events.start.size:
        lulls = runs(~wild)
        short = (lulls.start > 0) & (lulls.stop < n) & (lulls.duration < merge)
        events = runs(wild | mask_from_intervals(wild.shape, select(lulls, short)))
    return events
