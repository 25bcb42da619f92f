"""INGEST_LISTENERS: async callables told about every batch of newly stored windows.

This is the seam for the live biofeedback view. Each entry of ``settings.INGEST_LISTENERS`` is a
dotted path to ``async def listener(recording: RecordingInfo, windows: list[CommittedWindow])``,
called once per recording per committed batch, after the device was acked. A listener that raises
or takes longer than INGEST_LISTENER_TIMEOUT_SECONDS is logged and skipped: listeners can never
slow down or break ingest. Delivery is at most once (a window replayed after a restart was already
announced, or was lost with the process, and is not announced again).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

import numpy as np
from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("retrain.ingest")

_pending: set[asyncio.Task] = set()


@dataclass(frozen=True, slots=True)
class CommittedWindow:
    seq: int
    sample_start: int  # index of the first sample in the recording
    device_time_us: int  # device clock at the first sample
    samples: np.ndarray  # float32 microvolts, shape (channels, n)
    lead_off: int  # bit i set = electrode of channel i was off


@cache
def _listeners(paths: tuple[str, ...]) -> tuple:
    return tuple(import_string(path) for path in paths)


def configured() -> tuple:
    return _listeners(tuple(getattr(settings, "INGEST_LISTENERS", ())))


def active() -> bool:
    return bool(getattr(settings, "INGEST_LISTENERS", ()))


def dispatch(items: list) -> None:
    """Schedule every listener for the committed ``PendingWindow`` items (grouped by recording)."""
    callables = configured()
    if not callables:
        return
    if len(_pending) >= settings.INGEST_LISTENER_MAX_PENDING:
        log.warning("ingest.listeners_behind", extra={"pending": len(_pending)})
        return
    grouped: dict = defaultdict(list)
    recordings = {}
    for item in items:
        recordings[item.recording.id] = item.recording
        w = item.window
        grouped[item.recording.id].append(
            CommittedWindow(
                seq=w.seq,
                sample_start=w.sample_start,
                device_time_us=w.device_time_us,
                samples=w.samples_uv(),
                lead_off=w.lead_off,
            )
        )
    loop = asyncio.get_running_loop()
    for rec_id, windows in grouped.items():
        windows.sort(key=lambda cw: cw.seq)
        for listener in callables:
            task = loop.create_task(_call(listener, recordings[rec_id], windows))
            _pending.add(task)
            task.add_done_callback(_pending.discard)


async def _call(listener, recording, windows) -> None:
    try:
        async with asyncio.timeout(settings.INGEST_LISTENER_TIMEOUT_SECONDS):
            await listener(recording, windows)
    except Exception:  # noqa: BLE001 - a listener must never break ingest
        log.exception(
            "ingest.listener_failed",
            extra={"listener": getattr(listener, "__qualname__", repr(listener)), "recording": str(recording.id)},
        )
