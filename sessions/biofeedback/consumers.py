"""The browser socket of a live session: /ws/biofeedback/<session id>/.

Reached only through ``browser_urlpatterns`` (Origin must be one of ALLOWED_HOSTS, session-cookie
auth). The handshake is refused (HTTP 403) unless the user may open that session
(``access_session``: therapists of the patient's clinic); both the watch and the refusal are
audited, and so is the end of the watch with its duration. The socket then receives the session's
frames from the channel layer, and takes control messages (``sessions.biofeedback.control``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

import numpy as np
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

from clinic.audit import audit_client, audit_record, client_ip_from_meta
from clinic.errors import DomainError
from sessions.biofeedback import fanout, services
from sessions.biofeedback.access import access_session
from sessions.biofeedback.control import ControlError, parse_control
from sessions.biofeedback.live import POINTS_PER_SECOND

log = logging.getLogger("retrain.biofeedback")


def _watch(user, session_id, ip: str | None) -> dict | None:
    from patients.access import NotFoundOrDenied

    with audit_client(ip):
        try:
            session = access_session(user, session_id, action="biofeedback.watch")
        except NotFoundOrDenied:
            return None
        return services.session_state(session)


def _unwatch(user, session_id: int, ip: str | None, seconds: float) -> None:
    with audit_client(ip):
        audit_record(
            actor=user,
            action="biofeedback.unwatch",
            object_type="biofeedbacksession",
            object_id=session_id,
            extra={"seconds": round(seconds, 1)},
        )


def _set(user, session_id: int, ip: str | None, **values) -> dict:
    with audit_client(ip):
        session = access_session(user, session_id, action="biofeedback.thresholds", audit_read=False)
        session = services.biofeedback_set_thresholds(actor=user, session=session, **values)
        return services.session_state(session)


def backfill(session_id: int, from_seq: int, to_seq: int) -> list[dict]:
    """Envelope points of stored windows ``from_seq..to_seq`` of the session's recording."""
    from sessions.ingest.selectors import recording_samples
    from sessions.models import BiofeedbackSession, RecordingWindow
    from signal_core.emg import filter_emg, moving_rms

    session = BiofeedbackSession.objects.select_related("recording").filter(pk=session_id).first()
    if session is None or session.recording is None:
        return []
    recording = session.recording
    bounds = (
        RecordingWindow.objects.filter(recording=recording, seq__gte=from_seq, seq__lte=to_seq)
        .order_by("sample_start")
        .values_list("sample_start", "n_samples")
    )
    rows = list(bounds)
    if not rows:
        return []
    fs = recording.sampling_rate_hz
    step = max(1, fs // POINTS_PER_SECOND)
    start, stop = rows[0][0], rows[-1][0] + rows[-1][1]
    lead = int(0.3 * fs)  # filter settling and one RMS window before the hole
    first = max(0, start - lead)
    block = recording_samples(recording, sample_from=first, sample_to=stop)
    envelope = moving_rms(filter_emg(np.nan_to_num(block.samples), fs, causal=True), fs, 0.1, causal=True)
    envelope[np.isnan(block.samples)] = np.nan
    from_point = -(-start // step)
    offset = from_point * step - first
    values = envelope[:, offset::step]
    points = [[None if not np.isfinite(v) else round(float(v), 1) for v in row] for row in values]
    return [{"point_from": from_point, "points": points}]


class LiveSessionConsumer(AsyncWebsocketConsumer):
    async def __call__(self, scope, receive, send):
        # Frames come from this process's hub (sessions.biofeedback.fanout), not from a channel of
        # its own: no per-socket channel-layer subscription, no task per message.
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        self.outbox: asyncio.Queue = asyncio.Queue(maxsize=500)
        self.writer = None
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass
        finally:
            if self.writer is not None:
                self.writer.cancel()

    async def dispatch(self, message):
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    def deliver(self, text: str) -> None:
        """Called by the hub for every frame or state change of this session."""
        if self.outbox.full():
            self.outbox.get_nowait()  # a slow browser loses the oldest frame, then resyncs the hole
        self.outbox.put_nowait(text)

    async def _write(self) -> None:
        while True:
            text = await self.outbox.get()
            await self.send(text_data=text)

    async def connect(self):
        self.session_id = None
        user = self.scope.get("user")
        raw = self.scope["url_route"]["kwargs"]["session_id"]
        meta = {"REMOTE_ADDR": (self.scope.get("client") or ("", 0))[0]}
        self.ip = client_ip_from_meta(meta)
        state = await database_sync_to_async(_watch)(user, raw, self.ip)
        if state is None:
            await self.close()  # before accept: the handshake is answered with HTTP 403
            return
        self.user = user
        self.session_id = state["session"]
        self.watch_started = time.monotonic()
        await self.accept()
        await self.send(text_data=json.dumps(state))
        self.writer = asyncio.get_running_loop().create_task(self._write())
        await fanout.watch(self.session_id, self)

    async def disconnect(self, code):
        if self.session_id is None:
            return
        fanout.unwatch(self.session_id, self)
        await database_sync_to_async(_unwatch)(
            self.user, self.session_id, self.ip, time.monotonic() - self.watch_started
        )

    async def receive(self, text_data=None, bytes_data=None):
        if self.session_id is None:
            return
        try:
            message = parse_control(text_data if bytes_data is None else bytes_data)
        except ControlError as exc:
            return await self._error(exc.code, exc.message)
        kind = message.pop("type")
        if kind == "ping":
            return await self.send(
                text_data=json.dumps({"type": "pong", "t": message["t"], "server_us": int(time.time() * 1e6)})
            )
        if kind == "resync":
            segments = await database_sync_to_async(backfill)(self.session_id, message["from_seq"], message["to_seq"])
            return await self.send(
                text_data=json.dumps(
                    {
                        "type": "backfill",
                        "from_seq": message["from_seq"],
                        "to_seq": message["to_seq"],
                        "segments": segments,
                    }
                )
            )
        try:
            await database_sync_to_async(_set)(self.user, self.session_id, self.ip, **message)
        except DomainError as exc:
            return await self._error(exc.code, exc.message)
        return None

    async def _error(self, code: str, message: str) -> None:
        await self.send(text_data=json.dumps({"type": "error", "code": code, "message": message}))
