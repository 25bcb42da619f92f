"""The live view's server side: an INGEST_LISTENER that turns committed windows into frames.

For every batch of windows a chair's device committed, ``on_windows`` finds the open session at
that chair (cached for ``BIOFEEDBACK_SESSION_CACHE_SECONDS``, so thresholds dragged on a page reach
every server process within that time), runs the causal band-pass + moving RMS of
``signal_core.emg.StreamingEngine`` with the session's calibration, and publishes one frame per
batch (at most one per ``BIOFEEDBACK_FRAME_INTERVAL_S``, ~25 Hz) to the session's watchers in every
server process (``sessions.biofeedback.fanout``). A frame carries the envelope at 100 points/s, the
end-of-frame % of calibration, the protocol state (reward / alert), signal quality, and the device
time of the frame's last sample (for the end-to-end latency measurement).

The channel layer is at most once: each frame carries ``seq_from``/``seq_to`` so the page sees a
gap and asks the browser socket to resync that range from the stored recording (``backfill``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from channels.db import database_sync_to_async
from django.conf import settings

from sessions.biofeedback import fanout
from signal_core.emg import Calibration, StreamingEngine

log = logging.getLogger("retrain.biofeedback")

POINTS_PER_SECOND = 100
# A channel whose envelope stays under this many µV is not "active" (no ratio shown at rest).
ACTIVE_UV = 12.0
# Envelope above this (µV RMS, band-passed) on a channel with no lead-off bit: noise or artefact.
NOISE_UV = 900.0


@dataclass
class LiveSession:
    id: int
    protocol: str
    roles: dict
    threshold_pct: float | None
    ceiling_pct: float | None
    calibration: dict | None
    recording_id: Any
    fetched_at: float
    pending: list = field(default_factory=list)
    last_sent: float = 0.0
    last_seq: int = -1
    flush: asyncio.TimerHandle | None = None


_by_chair: dict[int, tuple[LiveSession | None, float]] = {}  # chair id -> (open session, fetched at)
_engines: dict[tuple[int, int], StreamingEngine] = {}
_stream_session: dict[Any, tuple[int, Any]] = {}  # recording id -> (session id, calibration it runs with)


_SESSION_FIELDS = ("id", "chair_id", "protocol", "roles", "threshold_pct", "ceiling_pct", "calibration", "recording_id")


def _load(recordings: dict[int, Any]) -> dict[int, dict | None]:
    """The open session of each chair (``{chair id: recording streaming there}``), in one query."""
    from sessions.models import BiofeedbackSession

    rows = {chair: None for chair in recordings}
    sessions = BiofeedbackSession.objects.filter(chair_id__in=list(recordings), ended_at__isnull=True)
    for row in sessions.values(*_SESSION_FIELDS):
        rows[row["chair_id"]] = row
        recording = recordings[row["chair_id"]]
        if row["recording_id"] != recording.id:
            row["recording_id"] = _attach(row, recording)
    return rows


def _attach(row: dict, recording) -> Any:
    """The session started before the chair streamed, or the agent restarted and opened a new
    recording: the one streaming now becomes the session's current recording."""
    from django.utils import timezone

    from sessions.biofeedback.services import biofeedback_attach_recording
    from sessions.models import Recording

    rec = Recording.objects.filter(pk=recording.id, chair_id=row["chair_id"], ended_at__isnull=True).first()
    if rec is None:
        return row["recording_id"]
    biofeedback_attach_recording(session_id=row["id"], recording_id=rec.id, sample=rec.sample_at(timezone.now()))
    return rec.id


async def _session_for(recording) -> LiveSession | None:
    """The open session at the recording's chair. Once cached, stale entries are refreshed in the
    background, all chairs of the process in one query (the listener never waits for the database
    after the first look-up)."""
    now = time.monotonic()
    cached = _by_chair.get(recording.chair_id)
    if cached is None:
        return (await _refresh({recording.chair_id: recording}))[recording.chair_id]
    if now - cached[1] >= settings.BIOFEEDBACK_SESSION_CACHE_SECONDS:
        _stale[recording.chair_id] = recording
        loop = asyncio.get_running_loop()
        task = _refresh_tasks.get(loop)
        if task is None or task.done():
            _refresh_tasks[loop] = loop.create_task(_refresh_stale())
    return cached[0]


_stale: dict[int, Any] = {}  # chair id -> recording, waiting for the next background refresh
_refresh_tasks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop -> its refresh task


async def _refresh_stale() -> None:
    while _stale:
        # Batches that arrived while the previous query ran marked their chairs again: those the
        # query has just refreshed are left for the next second.
        now = time.monotonic()
        batch = {
            chair: recording
            for chair, recording in _stale.items()
            if now - _by_chair.get(chair, (None, 0.0))[1] >= settings.BIOFEEDBACK_SESSION_CACHE_SECONDS
        }
        _stale.clear()
        if batch:
            await _refresh(batch)


async def _refresh(recordings: dict[int, Any]) -> dict[int, LiveSession | None]:
    try:
        rows = await database_sync_to_async(_load)(recordings)
    except Exception:  # noqa: BLE001 - keep the cached entries; try again on the next batch
        log.exception("biofeedback.session_lookup_failed", extra={"chairs": len(recordings)})
        return {chair: (_by_chair.get(chair) or (None, 0))[0] for chair in recordings}
    now = time.monotonic()
    return {chair: _apply(chair, row, now) for chair, row in rows.items()}


def _apply(chair_id: int, row: dict | None, now: float) -> LiveSession | None:
    cached = _by_chair.get(chair_id)
    live = cached[0] if cached is not None else None
    if row is None:
        live = None
    elif live is not None and live.id == row["id"]:
        if live.recording_id != row["recording_id"]:
            # A new recording (the agent restarted): its seq starts again at 0.
            live.last_seq, live.pending = -1, []
            if live.flush is not None:
                live.flush.cancel()
                live.flush = None
        live.threshold_pct, live.ceiling_pct = row["threshold_pct"], row["ceiling_pct"]
        live.calibration, live.roles, live.recording_id = row["calibration"], row["roles"], row["recording_id"]
    else:
        live = LiveSession(
            id=row["id"],
            protocol=row["protocol"],
            roles=row["roles"],
            threshold_pct=row["threshold_pct"],
            ceiling_pct=row["ceiling_pct"],
            calibration=row["calibration"],
            recording_id=row["recording_id"],
            fetched_at=now,
        )
    _by_chair[chair_id] = (live, now)
    return live


def forget_chair(chair_id: int) -> None:
    """Drop the cached session of a chair (called when a session starts or ends in this process)."""
    _by_chair.pop(chair_id, None)


def _engine_for(recording, live: LiveSession) -> StreamingEngine:
    n_channels = len(recording.channels)
    key = (recording.sampling_rate, n_channels)
    engine = _engines.get(key)
    if engine is None:
        engine = _engines[key] = StreamingEngine(recording.sampling_rate, n_channels)
    calibration = _calibration(live.calibration, n_channels)
    current = _stream_session.get(recording.id)
    if recording.id not in engine:
        engine.add(recording.id, calibration=calibration)
    elif current is None or current[0] != live.id or current[1] != live.calibration:
        engine.set_calibration(recording.id, calibration)
    _stream_session[recording.id] = (live.id, live.calibration)
    return engine


def _calibration(value: dict | None, n_channels: int) -> Calibration | None:
    if not value:
        return None
    try:
        calibration = Calibration(tuple(value["rest"]), tuple(value["maximum"]))
    except (KeyError, TypeError, ValueError):
        return None
    return calibration if calibration.n_channels == n_channels else None


def protocol_state(
    protocol: str,
    roles: dict,
    envelope: np.ndarray,
    percent: np.ndarray,
    threshold: float | None,
    ceiling: float | None,
) -> tuple[str, float | None]:
    """``(state, ratio)`` of the live view for the end-of-frame values (CLINICAL.md 7, protocols).

    symmetry: ratio = affected / healthy envelope (the symmetry index), shown while the healthy side
    is active; reward when it reaches the threshold (in % of a perfectly symmetric 1.0).
    inhibition: alert when the inhibit channel crosses its ceiling; reward when the target is at or
    above its threshold with the inhibit channel under the ceiling. uptraining: reward at threshold.
    """
    if not np.isfinite(envelope).all():
        return "no_signal", None
    if protocol == "symmetry":
        affected, healthy = envelope[roles["affected"]], envelope[roles["healthy"]]
        if max(affected, healthy) < ACTIVE_UV or healthy <= 0:
            return "rest", None
        ratio = float(affected / healthy)
        if threshold is not None and ratio * 100 >= threshold:
            return "reward", ratio
        return "active", ratio
    target = percent[roles["target"]]
    if not math.isfinite(target):
        return "uncalibrated", None
    if protocol == "inhibition":
        inhibit = percent[roles["inhibit"]]
        # The ratio means something only while the target muscle works (at rest it is noise over noise).
        ratio = float(inhibit / target) if target > 10 and math.isfinite(inhibit) else None
        if ceiling is not None and math.isfinite(inhibit) and inhibit > ceiling:
            return "alert", ratio
        if threshold is not None and target >= threshold:
            return "reward", ratio
        return "active" if target > 10 else "rest", ratio
    if threshold is not None and target >= threshold:
        return "reward", None
    return "active" if target > 10 else "rest", None


def _number(value: float, digits: int = 1) -> float | None:
    return round(float(value), digits) if math.isfinite(value) else None


def envelope_segments(engine: StreamingEngine, key, windows: list, fs: int, *, last_seq: int) -> tuple[list, Any]:
    """Feed ``windows`` (ascending seq) through the engine; envelope points at 100/s per segment.

    A hole in seq restarts the stream's filter and opens a new segment. Points sit on absolute
    sample positions (multiples of fs/100), so a backfill from the stored recording lines up.
    """
    step = max(1, fs // POINTS_PER_SECOND)
    segments: list[dict] = []
    expected = last_seq + 1 if last_seq >= 0 else None
    out = None
    for window in windows:
        if expected is not None and window.seq != expected:
            engine.reset(key)
            segments.append(None)  # marks the break
        expected = window.seq + 1
        out = engine.feed(window.samples[None], [key], full=True)
        envelope = out.envelope[0]
        offset = (-window.sample_start) % step
        point = (window.sample_start + offset) // step
        values = [[_number(v) for v in envelope[c, offset::step]] for c in range(envelope.shape[0])]
        current = segments[-1] if segments else None
        if current is not None and current["point_from"] + len(current["points"][0]) == point:
            for c, row in enumerate(values):
                current["points"][c].extend(row)
        else:
            if segments and segments[-1] is None:
                segments.pop()
            segments.append({"point_from": point, "points": values})
    return [s for s in segments if s is not None], out


def build_frame(live: LiveSession, recording, engine: StreamingEngine, windows: list, *, last_seq: int) -> dict:
    fs = recording.sampling_rate
    segments, last = envelope_segments(engine, recording.id, windows, fs, last_seq=last_seq)
    lead_off = 0
    for window in windows:
        lead_off |= window.lead_off
    tail = windows[-1]
    n = tail.samples.shape[-1]
    envelope_last, percent_last = last.last[0], last.percent[0]
    state, ratio = protocol_state(
        live.protocol, live.roles, envelope_last, percent_last, live.threshold_pct, live.ceiling_pct
    )
    if tail.lead_off:
        state = "lead_off"
    return {
        "type": "frame",
        "session": live.id,
        "recording": str(recording.id),
        "seq_from": windows[0].seq,
        "seq_to": tail.seq,
        "segments": segments,
        "sample_end": tail.sample_start + n,
        "device_end_us": tail.device_time_us + (n * 1_000_000) // fs,
        "envelope": [_number(v) for v in envelope_last],
        "percent": [_number(v) for v in percent_last],
        "ratio": None if ratio is None else round(ratio, 3),
        "state": state,
        "lead_off": [bool(lead_off >> c & 1) for c in range(len(recording.channels))],
        "noise": [bool(math.isfinite(v) and v > NOISE_UV) for v in envelope_last],
        "threshold_pct": live.threshold_pct,
        "ceiling_pct": live.ceiling_pct,
        "server_us": int(time.time() * 1e6),
    }


async def on_windows(recording, windows: list) -> None:
    """INGEST_LISTENERS entry: ``sessions.biofeedback.live.on_windows``."""
    if recording.chair_id is None or not windows:
        return
    live = await _session_for(recording)
    if live is None or (live.recording_id is not None and live.recording_id != recording.id):
        return
    if windows[0].seq <= live.last_seq:
        windows = [w for w in windows if w.seq > live.last_seq]
        if not windows:
            return
    engine = _engine_for(recording, live)
    live.pending.extend(windows)
    wait = settings.BIOFEEDBACK_FRAME_INTERVAL_S - (time.monotonic() - live.last_sent)
    if wait > 0:
        # Too soon after the last frame: send what waits a little later (unless a batch comes first).
        if live.flush is None:
            live.flush = asyncio.get_running_loop().call_later(wait, _flush, live, recording, engine)
        return
    _flush(live, recording, engine)


def _flush(live: LiveSession, recording, engine: StreamingEngine) -> None:
    if live.flush is not None:
        live.flush.cancel()
        live.flush = None
    if not live.pending:
        return
    batch, live.pending = sorted(live.pending, key=lambda w: w.seq), []
    live.last_sent = time.monotonic()
    frame = build_frame(live, recording, engine, batch, last_seq=live.last_seq)
    live.last_seq = batch[-1].seq
    fanout.publish(live.id, json.dumps(frame))
