"""Reads of stored recordings: samples as float arrays with NaN where data is missing, gaps, times.

All sample positions are sample indices from the start of the recording (``sample_start`` of each
window), so a missing window, a window dropped on the device, or samples lost inside the device
all show up as NaN at the right place and never shift later samples.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db.models import QuerySet

from clinic.models import Chair, Clinic
from edge_agent.codec import DTYPE_CODES, counts_to_uv, payload_to_array
from sessions.models import Recording, RecordingGap, RecordingWindow


@dataclass(frozen=True)
class SampleBlock:
    """Samples of a recording: ``samples[c, i]`` is channel c at sample ``first_sample + i``."""

    samples: np.ndarray  # float32 µV, shape (channels, n); NaN where no data
    first_sample: int
    sampling_rate: int
    channels: list[dict]
    started_at: datetime

    @property
    def times_s(self) -> np.ndarray:
        """Seconds from the start of the recording for each column."""
        return (self.first_sample + np.arange(self.samples.shape[1])) / self.sampling_rate

    @property
    def missing_fraction(self) -> float:
        return float(np.isnan(self.samples[0]).mean()) if self.samples.size else 0.0


@dataclass(frozen=True)
class Gap:
    kind: str  # missing | outbox_full | device_fault | device_loss
    from_seq: int | None
    to_seq: int | None
    from_sample: int
    to_sample: int  # exclusive


@dataclass(frozen=True)
class WindowTimes:
    seq: np.ndarray  # int64
    sample_start: np.ndarray  # int64
    n_samples: np.ndarray  # int64
    device_time_us: np.ndarray  # int64, device clock at each window's first sample
    received_at: list[datetime]  # server commit time of each window


def recordings_of_chair(chair: Chair) -> QuerySet[Recording]:
    return Recording.objects.filter(chair=chair).order_by("-started_at")


def recordings_of_clinic(clinic: Clinic) -> QuerySet[Recording]:
    return Recording.objects.filter(clinic=clinic).select_related("chair", "device").order_by("-started_at")


def _decode(recording: Recording, encoding: int, payload: bytes, n: int) -> np.ndarray:
    raw = zlib.decompress(payload) if encoding == RecordingWindow.Encoding.ZLIB else bytes(payload)
    dtype = DTYPE_CODES[recording.sample_dtype]
    return counts_to_uv(payload_to_array(raw, dtype, recording.channel_count, n), dtype, recording.scale_uv)


def recording_samples(
    recording: Recording,
    *,
    sample_from: int | None = None,
    sample_to: int | None = None,
    seq_from: int | None = None,
    seq_to: int | None = None,
    time_from: datetime | None = None,
    time_to: datetime | None = None,
) -> SampleBlock:
    """Samples of ``recording`` as float32 µV (channels, n), NaN where nothing is stored.

    Give at most one kind of range: samples ``[sample_from, sample_to)``, windows
    ``seq_from..seq_to`` (inclusive; the block spans the stored windows of that range), or device
    times ``[time_from, time_to)``. Without a range: the whole recording, from sample 0 to the end
    the device reported (or the last stored sample while it is still streaming).
    """
    windows = RecordingWindow.objects.filter(recording=recording)
    if time_from is not None or time_to is not None:
        sample_from = recording.sample_at(time_from) if time_from is not None else None
        sample_to = recording.sample_at(time_to) if time_to is not None else None
    if seq_from is not None or seq_to is not None:
        if seq_from is not None:
            windows = windows.filter(seq__gte=seq_from)
        if seq_to is not None:
            windows = windows.filter(seq__lte=seq_to)
        rows = list(windows.order_by("seq").values_list("sample_start", "n_samples", "encoding", "payload"))
        start = rows[0][0] if rows else 0
        stop = rows[-1][0] + rows[-1][1] if rows else 0
    else:
        start = max(0, sample_from or 0)
        if sample_to is None:
            last = windows.order_by("-sample_start").values_list("sample_start", "n_samples").first()
            stored_end = last[0] + last[1] if last else 0
            stop = max(stored_end, recording.samples_expected or 0)
        else:
            stop = sample_to
        stop = max(start, stop)
        # A window overlaps [start, stop) when it starts before stop and ends after start; windows
        # are at most window_samples long, so the index on sample_start narrows the scan.
        rows = list(
            windows.filter(sample_start__lt=stop, sample_start__gt=start - recording.window_samples)
            .order_by("sample_start")
            .values_list("sample_start", "n_samples", "encoding", "payload")
        )
    out = np.full((recording.channel_count, stop - start), np.nan, dtype=np.float32)
    for sample_start, n, encoding, payload in rows:
        lo, hi = max(sample_start, start), min(sample_start + n, stop)
        if hi <= lo:
            continue
        values = _decode(recording, encoding, payload, n)
        out[:, lo - start : hi - start] = values[:, lo - sample_start : hi - sample_start]
    return SampleBlock(
        samples=out,
        first_sample=start,
        sampling_rate=recording.sampling_rate_hz,
        channels=list(recording.channels),
        started_at=recording.started_at,
    )


def recording_window_times(recording: Recording) -> WindowTimes:
    rows = list(
        RecordingWindow.objects.filter(recording=recording)
        .order_by("seq")
        .values_list("seq", "sample_start", "n_samples", "device_time_us", "received_at")
    )
    columns = list(zip(*rows, strict=True)) if rows else [(), (), (), (), ()]
    return WindowTimes(
        seq=np.asarray(columns[0], dtype=np.int64),
        sample_start=np.asarray(columns[1], dtype=np.int64),
        n_samples=np.asarray(columns[2], dtype=np.int64),
        device_time_us=np.asarray(columns[3], dtype=np.int64),
        received_at=list(columns[4]),
    )


def recording_gaps(recording: Recording) -> list[Gap]:
    """Every stretch without data, in sample order.

    ``missing``: windows not (yet) stored; ``outbox_full`` / ``device_fault``: windows the device
    declared lost; ``device_loss``: samples the front end lost inside a window sequence (the device
    marks the window after them).
    """
    times = recording_window_times(recording)
    declared = {(g.from_seq, g.to_seq): g.reason for g in RecordingGap.objects.filter(recording=recording)}
    last_seq = recording.windows_expected - 1 if recording.windows_expected is not None else recording.max_seq
    gaps: list[Gap] = []
    stored = set(times.seq.tolist())
    by_seq = {int(s): (int(a), int(n)) for s, a, n in zip(times.seq, times.sample_start, times.n_samples, strict=True)}

    def sample_bounds(first: int, last: int) -> tuple[int, int]:
        before = by_seq.get(first - 1)
        after = by_seq.get(last + 1)
        lo = before[0] + before[1] if before else first * recording.window_samples
        hi = after[0] if after else (last + 1) * recording.window_samples
        return lo, max(lo, hi)

    seq = 0
    while seq <= last_seq:
        if seq in stored:
            seq += 1
            continue
        first = seq
        while seq <= last_seq and seq not in stored:
            seq += 1
        last = seq - 1
        kind = "missing"
        for (a, b), reason in declared.items():
            if a <= first and last <= b:
                kind = reason
        lo, hi = sample_bounds(first, last)
        gaps.append(Gap(kind=kind, from_seq=first, to_seq=last, from_sample=lo, to_sample=hi))
    # Samples lost inside the device between two consecutive stored windows.
    if len(times.seq) > 1:
        ends = times.sample_start[:-1] + times.n_samples[:-1]
        consecutive = np.diff(times.seq) == 1
        jumps = np.nonzero(consecutive & (times.sample_start[1:] > ends))[0]
        for i in jumps:
            gaps.append(
                Gap(
                    kind="device_loss",
                    from_seq=None,
                    to_seq=None,
                    from_sample=int(ends[i]),
                    to_sample=int(times.sample_start[i + 1]),
                )
            )
    gaps.sort(key=lambda g: g.from_sample)
    return gaps
