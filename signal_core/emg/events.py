"""Muscle activity onsets and offsets: threshold over a rest baseline, held for a minimum time.

Method (CLINICAL.md 7, after Hodges & Bui 1996): the band-passed signal is rectified (after
the Teager-Kaiser energy operator if asked, Solnik et al. 2010) and low-passed at 50 Hz; the
muscle is active where that envelope exceeds ``baseline mean + k * SD`` for at least
``min_duration``. Dips shorter than ``min_gap`` inside a burst do not end it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signal_core._validation import as_signal, check_fs, check_positive, seconds_to_samples
from signal_core.emg._runs import Intervals, mask_from_intervals, runs, runs_and_gaps, select
from signal_core.emg.filters import apply_sos, lowpass, minimum_samples


def teager_kaiser(x: np.ndarray, *, axis: int = -1) -> np.ndarray:
    """Teager-Kaiser energy ``x[n]**2 - x[n-1] * x[n+1]``; the two edge samples repeat their
    neighbour. Shape preserved, float64; NaN propagates to the neighbours of a gap."""
    return np.moveaxis(_teager_kaiser_last(as_signal(x, axis=axis, min_samples=3)), -1, axis)


def _teager_kaiser_last(arr: np.ndarray) -> np.ndarray:
    out = np.empty(arr.shape)
    out[..., 1:-1] = arr[..., 1:-1] ** 2 - arr[..., :-2] * arr[..., 2:]
    out[..., 0] = out[..., 1]
    out[..., -1] = out[..., -2]
    return out


def onset_envelope(
    x: np.ndarray, fs: float, *, cutoff: float = 50.0, order: int = 2, tkeo: bool = False, axis: int = -1
) -> np.ndarray:
    """Envelope for onset detection: (TKEO,) rectify, zero-phase low-pass at ``cutoff`` Hz.

    ``x`` is the band-passed signal, shape ``(..., channels, samples)``; prefer the causal
    band-pass (``filter_emg(..., causal=True)``): the zero-phase one pre-rings, spreading a
    strong burst's energy ahead of its onset, which then reads up to tens of ms early.
    On synthetic bursts 5-40x rest this envelope with k = 3 finds onsets 3-7 ms early (the
    low-pass's own symmetric spread). Float64, same shape as ``x``.
    """
    fs = check_fs(fs)
    sos = lowpass(fs, check_positive(cutoff, name="cutoff"), order)
    arr = as_signal(x, axis=axis, min_samples=max(3, minimum_samples(sos)))
    return np.moveaxis(onset_envelope_last(arr, sos, tkeo=tkeo), -1, axis)


def onset_envelope_last(arr: np.ndarray, sos: np.ndarray, *, tkeo: bool, overwrite: bool = False) -> np.ndarray:
    """:func:`onset_envelope` on validated float64 ``arr`` (samples last) with low-pass ``sos``;
    ``overwrite`` lets it rectify ``arr`` in place."""
    if tkeo:
        arr, overwrite = _teager_kaiser_last(arr), True
    return apply_sos(sos, arr, zero_phase=True, rectify=True, overwrite=overwrite)


@dataclass(frozen=True)
class Activity:
    """Active periods found by :func:`detect_activity`.

    bursts : :class:`Intervals` ``[onset, offset)`` in samples with their row index (rows are
        positions in the envelope's axes other than the samples axis).
    left_censored, right_censored : bool ``(k,)``; True when a burst touches the start/end of
        the data or a NaN gap, so its true onset/offset was not observed.
    shape : shape of the envelope with the samples axis last.
    axis : the samples axis of the envelope.
    """

    bursts: Intervals
    left_censored: np.ndarray
    right_censored: np.ndarray
    shape: tuple[int, ...]
    axis: int = -1

    @property
    def active(self) -> np.ndarray:
        """Boolean mask shaped like the envelope (samples on ``axis``), True inside bursts."""
        return np.moveaxis(mask_from_intervals(self.shape, self.bursts), -1, self.axis)

    def first_burst(self) -> tuple[np.ndarray, np.ndarray]:
        """Onset and offset samples of the first burst whose onset was observed, per row.

        Both arrays have the leading shape (the envelope's shape without the samples axis);
        -1 where a row has no such burst, and offset -1 where that burst ends censored.
        """
        lead_shape = self.shape[:-1]
        onset = np.full(lead_shape, -1, dtype=np.intp)
        offset = np.full(lead_shape, -1, dtype=np.intp)
        observed = np.flatnonzero(~self.left_censored)
        if observed.size:
            rows = _row_ids(self.bursts.index[observed], lead_shape)
            # Bursts are sorted by row then time, so a row's first occurrence is its earliest.
            unique_rows, first = np.unique(rows, return_index=True)
            picked = observed[first]
            onset.reshape(-1)[unique_rows] = self.bursts.start[picked]
            offset.reshape(-1)[unique_rows] = np.where(self.right_censored[picked], -1, self.bursts.stop[picked])
        return onset, offset


def detect_activity(
    envelope: np.ndarray,
    fs: float,
    threshold: np.ndarray | float,
    *,
    min_duration: float = 0.025,
    min_gap: float | None = None,
    axis: int = -1,
) -> Activity:
    """Find where ``envelope`` rises above ``threshold`` and holds for ``min_duration`` seconds.

    Parameters
    ----------
    envelope : array ``(..., channels, samples)``, e.g. from :func:`onset_envelope`.
    threshold : scalar or array broadcastable to the envelope without its samples axis, e.g.
        ``baseline.mean + k * baseline.sd`` of shape ``(..., channels)``.
    min_duration : a burst starts where the envelope goes above threshold and stays there this
        long (Hodges & Bui: 20-100 ms).
    min_gap : a burst ends where the envelope goes below threshold and stays there this long
        (default ``min_duration``); shorter dips are part of the burst.

    Both edges come from held runs, so a noise blip just before a real onset cannot pull the
    onset earlier. NaN samples are never active and end a burst; bursts next to a gap or the
    ends of the data are marked censored.
    """
    fs = check_fs(fs)
    hold = seconds_to_samples(min_duration, fs, name="min_duration")
    release = hold if min_gap is None else seconds_to_samples(min_gap, fs, name="min_gap")
    arr = as_signal(envelope, name="envelope", axis=axis)
    limit = np.asarray(threshold, dtype=np.float64)
    try:
        limit = np.broadcast_to(limit[..., None], arr.shape[:-1] + (1,))
    except ValueError:
        raise ValueError(
            f"threshold of shape {np.shape(threshold)} does not broadcast to the envelope's "
            f"leading shape {arr.shape[:-1]}"
        ) from None
    return detect_activity_last(arr, limit, hold, release, axis=axis)


def detect_activity_last(arr: np.ndarray, limit: np.ndarray, hold: int, release: int, *, axis: int = -1) -> Activity:
    """:func:`detect_activity` on validated ``arr`` (samples last); ``limit`` is ``(..., 1)``."""
    n = arr.shape[-1]
    missing = np.isnan(arr)
    has_gaps = bool(missing.any())
    with np.errstate(invalid="ignore"):
        above = arr > limit
    if has_gaps:
        rises, falls = runs(above), runs(~above & ~missing)
    else:
        rises, falls = runs_and_gaps(above)
    rises = select(rises, rises.duration >= hold)
    falls = select(falls, falls.duration >= release)
    if has_gaps:
        gaps = runs(missing)
        falls = Intervals(
            np.concatenate([falls.index, gaps.index]),
            np.concatenate([falls.start, gaps.start]),
            np.concatenate([falls.stop, gaps.stop]),
        )
    bursts = _bursts_from_events(rises, falls, arr.shape)
    lead = tuple(bursts.index.T)
    left = bursts.start == 0
    right = bursts.stop == n
    if has_gaps:
        left |= missing[lead + (np.maximum(bursts.start - 1, 0),)]
        right |= missing[lead + (np.minimum(bursts.stop, n - 1),)]
    return Activity(bursts, left, right, arr.shape, axis)


def _bursts_from_events(rises: Intervals, falls: Intervals, shape: tuple[int, ...]) -> Intervals:
    """Merge held rises and held falls into bursts: a burst opens at a rise that follows a fall
    (or starts its row) and closes at the next fall of the same row (or the end)."""
    lead_shape = shape[:-1]
    rows = np.concatenate([_row_ids(rises.index, lead_shape), _row_ids(falls.index, lead_shape)])
    where = np.concatenate([rises.start, falls.start])
    is_rise = np.concatenate([np.ones(rises.start.size, bool), np.zeros(falls.start.size, bool)])
    order = np.lexsort((where, rows))
    rows, where, is_rise = rows[order], where[order], is_rise[order]
    new_row = np.ones(rows.size, dtype=bool)
    new_row[1:] = rows[1:] != rows[:-1]
    previous_is_rise = np.zeros(rows.size, dtype=bool)
    previous_is_rise[1:] = is_rise[:-1]
    opens = is_rise & (new_row | ~previous_is_rise)
    # Index of the next fall at or after each event (events.size where there is none).
    fall_positions = np.where(is_rise, rows.size, np.arange(rows.size))
    next_fall = np.minimum.accumulate(fall_positions[::-1])[::-1]
    starts = np.flatnonzero(opens)
    following = next_fall[starts]
    has_fall = following < rows.size
    following = np.where(has_fall, following, 0)
    closed = has_fall & (rows[following] == rows[starts])
    stop = np.where(closed, where[following], shape[-1])
    index = (
        np.column_stack(np.unravel_index(rows[starts], lead_shape))
        if lead_shape
        else np.zeros((starts.size, 0), dtype=np.intp)
    )
    return Intervals(index.astype(np.intp), where[starts].astype(np.intp), stop.astype(np.intp))


def _row_ids(index: np.ndarray, lead_shape: tuple[int, ...]) -> np.ndarray:
    if not lead_shape:
        return np.zeros(index.shape[0], dtype=np.intp)
    return np.ravel_multi_index(tuple(index.T), lead_shape).astype(np.intp)
