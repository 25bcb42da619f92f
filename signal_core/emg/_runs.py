"""Run-length helpers on boolean masks whose last axis is samples (vectorised over all rows)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Intervals(NamedTuple):
    """Half-open sample intervals ``[start, stop)`` found in an array shaped ``(..., samples)``.

    ``index`` has shape ``(k, ndim - 1)`` and gives, for each interval, its position in the
    leading axes (e.g. ``(channel,)`` or ``(stream, channel)``); ``start`` and ``stop`` have
    shape ``(k,)``. Intervals are sorted by row, then by time.
    """

    index: np.ndarray
    start: np.ndarray
    stop: np.ndarray

    def in_row(self, *row: int) -> np.ndarray:
        """Return the ``(m, 2)`` array of ``[start, stop)`` pairs in one row of the leading axes."""
        if len(row) != self.index.shape[1]:
            raise ValueError(f"row needs {self.index.shape[1]} index value(s), got {len(row)}")
        keep = np.all(self.index == np.asarray(row, dtype=np.intp), axis=1)
        return np.column_stack([self.start[keep], self.stop[keep]])

    @property
    def duration(self) -> np.ndarray:
        """Length of each interval in samples, shape ``(k,)``."""
        return self.stop - self.start


def runs(mask: np.ndarray) -> Intervals:
    """Return the runs of True along the last axis of ``mask``."""
    shape = mask.shape
    edges = np.zeros(shape[:-1] + (shape[-1] + 2,), dtype=np.int8)
    edges[..., 1:-1] = mask
    step = np.diff(edges, axis=-1)
    rising = np.nonzero(step == 1)
    falling = np.nonzero(step == -1)
    # np.nonzero walks in row-major order, so the k-th rise and k-th fall belong to the same run.
    index = np.column_stack(rising[:-1]) if len(shape) > 1 else np.zeros((rising[0].size, 0), np.intp)
    return Intervals(index.astype(np.intp), rising[-1].astype(np.intp), falling[-1].astype(np.intp))


def runs_and_gaps(mask: np.ndarray) -> tuple[Intervals, Intervals]:
    """Runs of True and runs of False along the last axis, from one scan of ``mask``."""
    shape = mask.shape
    n = shape[-1]
    lead_shape = shape[:-1]
    rows_total = int(np.prod(lead_shape, dtype=np.int64))
    flat = mask.reshape(rows_total, n)
    change_rows, change_at = np.nonzero(flat[:, 1:] != flat[:, :-1])
    every_row = np.arange(rows_total)
    # Boundaries of each row's segments: its start, every change, its end; segments alternate.
    rows = np.concatenate([every_row, change_rows, every_row])
    where = np.concatenate([np.zeros(rows_total, np.intp), change_at + 1, np.full(rows_total, n)])
    order = np.lexsort((where, rows))
    rows, where = rows[order], where[order]
    same_row = rows[1:] == rows[:-1]
    seg_rows, seg_start, seg_stop = rows[:-1][same_row], where[:-1][same_row], where[1:][same_row]
    value = flat[seg_rows, seg_start]
    index = np.column_stack(np.unravel_index(seg_rows, lead_shape)) if lead_shape else None

    def pick(keep: np.ndarray) -> Intervals:
        lead = index[keep] if index is not None else np.zeros((int(keep.sum()), 0), np.intp)
        return Intervals(lead.astype(np.intp), seg_start[keep].astype(np.intp), seg_stop[keep].astype(np.intp))

    return pick(value), pick(~value)


def mask_from_intervals(shape: tuple[int, ...], intervals: Intervals) -> np.ndarray:
    """Inverse of :func:`runs`: a boolean array of ``shape`` that is True inside the intervals."""
    marks = np.zeros(shape[:-1] + (shape[-1] + 1,), dtype=np.int32)
    lead = tuple(intervals.index.T)
    # Starts are distinct within a row and so are stops (runs never touch), so += is safe.
    marks[lead + (intervals.start,)] += 1
    marks[lead + (intervals.stop,)] -= 1
    return np.cumsum(marks[..., :-1], axis=-1) > 0


def select(intervals: Intervals, keep: np.ndarray) -> Intervals:
    """Keep the intervals where ``keep`` (shape ``(k,)``) is True."""
    return Intervals(intervals.index[keep], intervals.start[keep], intervals.stop[keep])


def dilate(mask: np.ndarray, *, before: int, after: int) -> np.ndarray:
    """Grow every True sample ``before`` samples back and ``after`` samples forward in time."""
    n = mask.shape[-1]
    counts = np.zeros(mask.shape[:-1] + (n + 1,), dtype=np.int64)
    np.cumsum(mask, axis=-1, out=counts[..., 1:])
    positions = np.arange(n)
    # Sample i is hit by a True in [i - after, i + before].
    hi = np.minimum(positions + before + 1, n)
    lo = np.maximum(positions - after, 0)
    return (counts[..., hi] - counts[..., lo]) > 0


def fill_gaps(x: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Linearly interpolate across the ``missing`` samples of each row (nearest value at the ends).

    The filled values only keep the recursive filters finite and free of steps; callers mask
    the gap (and the filter's settling time around it) as NaN afterwards.
    """
    n = x.shape[-1]
    positions = np.arange(n)
    present = ~missing
    previous = np.maximum.accumulate(np.where(present, positions, -1), axis=-1)
    following = np.minimum.accumulate(np.where(present, positions, n)[..., ::-1], axis=-1)[..., ::-1]
    previous = np.where(previous < 0, following, previous)
    following = np.where(following >= n, previous, following)
    empty_row = previous >= n  # a row with no sample at all
    previous = np.where(empty_row, 0, previous)
    following = np.where(empty_row, 0, following)
    left = np.take_along_axis(x, previous, axis=-1)
    right = np.take_along_axis(x, following, axis=-1)
    span = following - previous
    weight = np.divide(positions - previous, span, out=np.zeros(x.shape), where=span > 0)
    filled = np.where(present, x, left + weight * (right - left))
    return np.where(empty_row, 0.0, filled)
