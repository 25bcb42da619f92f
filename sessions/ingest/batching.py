"""The process-wide batcher: windows of every connection are committed together every ~25 ms.

One transaction per batch instead of one per window is what lets a single ASGI process on two
cores keep up with hundreds of chairs. After a commit every connection gets one ack per recording
(the highest contiguous seq now durably stored or declared lost), then the INGEST_LISTENERS hear
about the new windows.

Commits run on one dedicated database thread, so page requests never queue behind them.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.db import close_old_connections

from edge_agent.codec import Window
from sessions.ingest import listeners
from sessions.ingest.services import EndRow, GapRow, RecordingProgress, WindowRow, ingest_commit

log = logging.getLogger("retrain.ingest")


class IngestSink(Protocol):
    """What the batcher needs from a connection (the consumer)."""

    def deliver_ack(self, recording_id: uuid.UUID, through: int) -> None: ...

    def deliver_ended(self, recording_id: uuid.UUID, through: int, complete: bool) -> None: ...

    def committed(self, count: int) -> None: ...

    def storage_failed(self) -> None: ...


class Watermark:
    """Highest contiguous seq of one recording that is stored or declared lost, in this process."""

    __slots__ = ("through", "above", "gaps", "max_seq", "users")

    def __init__(self, through: int = -1) -> None:
        self.through = through
        self.above: set[int] = set()
        self.gaps: list[tuple[int, int]] = []
        self.max_seq = through
        self.users = 0

    def copy(self) -> Watermark:
        other = Watermark(self.through)
        other.above = set(self.above)
        other.gaps = list(self.gaps)
        other.max_seq = self.max_seq
        return other

    def holds(self, seq: int) -> bool:
        return seq <= self.through or seq in self.above

    def add(self, seq: int) -> None:
        if seq > self.through:
            self.above.add(seq)
            self.max_seq = max(self.max_seq, seq)

    def add_gap(self, first: int, last: int) -> None:
        if last > self.through:
            self.gaps.append((first, last))

    def advance(self) -> int:
        through = self.through
        while True:
            following = through + 1
            if following in self.above:
                self.above.discard(following)
                through = following
                continue
            covering = [last for first, last in self.gaps if first <= following <= last]
            if covering:
                through = max(covering)
                self.gaps = [g for g in self.gaps if g[1] > through]
                self.above = {s for s in self.above if s > through}
                continue
            break
        self.through = through
        self.max_seq = max(self.max_seq, through)
        return through


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    """What listeners (and the consumer) know about an open recording."""

    id: uuid.UUID
    clinic_id: int
    chair_id: int | None
    device_id: int
    sampling_rate: int
    channels: tuple[dict, ...]
    dtype: str
    scale_uv: float
    window_samples: int

    @property
    def channel_labels(self) -> list[str]:
        return [c["label"] for c in self.channels]


@dataclass(slots=True)
class PendingWindow:
    sink: IngestSink
    recording: RecordingInfo
    window: Window
    row: WindowRow


@dataclass(slots=True)
class PendingControl:
    sink: IngestSink
    recording: RecordingInfo
    gap: GapRow | None = None
    end: EndRow | None = None


@dataclass
class BatcherStats:
    batches: int = 0
    windows: int = 0
    inserted: int = 0
    failures: int = 0
    commit_seconds: list[float] = field(default_factory=list)


class IngestBatcher:
    def __init__(
        self,
        *,
        interval: float | None = None,
        max_batch: int | None = None,
        max_queue: int | None = None,
        commit=ingest_commit,
    ) -> None:
        self.interval = interval if interval is not None else settings.INGEST_BATCH_INTERVAL_MS / 1000
        self.max_batch = max_batch or settings.INGEST_MAX_BATCH_WINDOWS
        self.max_queue = max_queue or settings.INGEST_MAX_QUEUED_WINDOWS
        self._commit_fn = commit
        self._windows: list[PendingWindow] = []
        self._controls: list[PendingControl] = []
        self._marks: dict[uuid.UUID, Watermark] = {}
        self._wake = asyncio.Event()
        self._space = asyncio.Event()
        self._space.set()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-db")
        self._task: asyncio.Task | None = None
        self.stats = BatcherStats()

    # --- connections ---------------------------------------------------------------------------------
    def attach(self, recording_id: uuid.UUID, *, through: int, stored_above=(), gaps=()) -> Watermark:
        """Register a connection's interest in a recording, merging what the database knows."""
        mark = self._marks.get(recording_id)
        if mark is None:
            mark = self._marks[recording_id] = Watermark(through)
        elif through > mark.through:
            mark.through = through
        for seq in stored_above:
            mark.add(seq)
        for first, last in gaps:
            mark.add_gap(first, last)
        mark.advance()
        mark.users += 1
        return mark

    def detach(self, recording_id: uuid.UUID) -> None:
        mark = self._marks.get(recording_id)
        if mark is None:
            return
        mark.users -= 1
        if mark.users <= 0 and not any(p.recording.id == recording_id for p in self._windows):
            del self._marks[recording_id]

    def mark(self, recording_id: uuid.UUID) -> Watermark | None:
        return self._marks.get(recording_id)

    # --- submissions -----------------------------------------------------------------------------------
    async def submit_window(self, item: PendingWindow) -> None:
        while len(self._windows) >= self.max_queue:
            self._space.clear()
            await self._space.wait()
        self._windows.append(item)
        self._ensure_running()
        self._wake.set()

    def submit_control(self, item: PendingControl) -> None:
        self._controls.append(item)
        self._ensure_running()
        self._wake.set()

    @property
    def queued(self) -> int:
        return len(self._windows)

    def _ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="ingest-batcher")

    # --- the loop -----------------------------------------------------------------------------------------
    async def _run(self) -> None:
        last_start = 0.0
        while True:
            await self._wake.wait()
            # Gather for up to one interval after the previous batch started: bigger, fewer commits.
            delay = self.interval - (time.monotonic() - last_start)
            if delay > 0:
                await asyncio.sleep(delay)
            self._wake.clear()
            windows, self._windows = self._windows[: self.max_batch], self._windows[self.max_batch :]
            controls, self._controls = self._controls, []
            if self._windows or self._controls:
                self._wake.set()
            if len(self._windows) < self.max_queue:
                self._space.set()
            if not windows and not controls:
                continue
            last_start = time.monotonic()
            try:
                await self._commit(windows, controls)
            except Exception:  # noqa: BLE001 - the loop must survive anything a batch throws
                log.exception("ingest.batch_failed", extra={"windows": len(windows)})

    async def _commit(self, windows: list[PendingWindow], controls: list[PendingControl]) -> None:
        # Progress assuming the batch commits, computed on copies; applied to the live marks after.
        touched: dict[uuid.UUID, Watermark] = {}

        def tentative(rec_id: uuid.UUID) -> Watermark:
            if rec_id not in touched:
                live = self._marks.get(rec_id)
                touched[rec_id] = live.copy() if live is not None else Watermark()
            return touched[rec_id]

        for item in windows:
            tentative(item.recording.id).add(item.row.seq)
        for item in controls:
            if item.gap is not None:
                tentative(item.recording.id).add_gap(item.gap.from_seq, item.gap.to_seq)
            else:
                tentative(item.recording.id)
        progress = {}
        for rec_id, mark in touched.items():
            mark.advance()
            progress[rec_id] = RecordingProgress(acked_through=mark.through, max_seq=mark.max_seq)
        rows = [item.row for item in windows]
        gaps = [item.gap for item in controls if item.gap is not None]
        ends = [item.end for item in controls if item.end is not None]
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(
                self._executor, _in_db_thread, self._commit_fn, rows, gaps, ends, progress
            )
        except Exception:
            self.stats.failures += 1
            log.exception("ingest.commit_failed", extra={"windows": len(rows)})
            for sink in {id(i.sink): i.sink for i in (*windows, *controls)}.values():
                sink.storage_failed()
            return
        self.stats.batches += 1
        self.stats.windows += len(rows)
        self.stats.inserted += len(result.inserted)
        self.stats.commit_seconds.append(time.perf_counter() - started)
        if len(self.stats.commit_seconds) > 10_000:
            del self.stats.commit_seconds[:5000]

        # Apply to the live marks (which an attach may have changed meanwhile), then ack.
        for item in windows:
            mark = self._marks.get(item.recording.id)
            if mark is not None:
                mark.add(item.row.seq)
        for item in controls:
            mark = self._marks.get(item.recording.id)
            if mark is not None and item.gap is not None:
                mark.add_gap(item.gap.from_seq, item.gap.to_seq)
        per_sink: dict[int, list] = {}  # id(sink) -> [sink, {recording: through}, windows committed]
        for item in (*windows, *controls):
            mark = self._marks.get(item.recording.id) or touched[item.recording.id]
            entry = per_sink.setdefault(id(item.sink), [item.sink, {}, 0])
            entry[1][item.recording.id] = mark.advance()
            if isinstance(item, PendingWindow):
                entry[2] += 1
        for sink, per_recording, count in per_sink.values():
            for rec_id, through in per_recording.items():
                sink.deliver_ack(rec_id, through)
            if count:
                sink.committed(count)
        for item in controls:
            if item.end is not None:
                mark = self._marks.get(item.recording.id) or touched[item.recording.id]
                item.sink.deliver_ended(item.recording.id, mark.through, mark.through >= item.end.windows - 1)
        if listeners.active():
            fresh = [item for item in windows if (item.row.recording_id, item.row.seq) in result.inserted]
            if fresh:
                listeners.dispatch(fresh)


def _in_db_thread(commit, rows, gaps, ends, progress):
    close_old_connections()
    try:
        return commit(windows=rows, gaps=gaps, ends=ends, progress=progress)
    finally:
        close_old_connections()


_batchers: dict[int, IngestBatcher] = {}


def get_batcher() -> IngestBatcher:
    """The batcher of the running event loop (one per process in production)."""
    loop = asyncio.get_running_loop()
    batcher = _batchers.get(id(loop))
    if batcher is None or getattr(batcher, "_loop", None) is not loop:
        batcher = IngestBatcher()
        batcher._loop = loop  # type: ignore[attr-defined]
        _batchers.clear()  # old loops (tests) are gone; one live loop per process
        _batchers[id(loop)] = batcher
    return batcher
