"""The device websocket at /ws/device/: edge agents stream EMG windows here.

Thin by design: authentication and storage live in services, batching in the batcher. What the
consumer owns is the per-connection protocol state: which recordings are open, the rate limit,
the count of rejected frames, the in-flight window budget, and one writer task through which every
outgoing frame (acks, replies, error frames) is sent in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid

import numpy as np
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from clinic.audit import client_ip_from_meta
from clinic.errors import DomainError
from edge_agent import codec, messages
from sessions.ingest import services
from sessions.ingest.batching import PendingControl, PendingWindow, RecordingInfo, get_batcher
from sessions.ingest.services import DeviceIdentity, EndRow, GapRow, HandshakeRefusal, WindowRow

log = logging.getLogger("retrain.ingest")

CLOSE_POLICY = 1008
CLOSE_STORAGE = 1011
CLOSE_PROTOCOL = 4400
CLOSE_REVOKED = 4401
CLOSE_SUPERSEDED = 4409

# device id -> live consumer in this process; a newer connection of the same device replaces it.
_live: dict[int, DeviceConsumer] = {}


class TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.level = burst
        self.at = time.monotonic()

    def take(self, amount: float) -> float:
        """Take ``amount``; the seconds to wait before the next take is within the rate."""
        now = time.monotonic()
        self.level = min(self.burst, self.level + (now - self.at) * self.rate)
        self.at = now
        self.level -= amount
        return 0.0 if self.level >= 0 else -self.level / self.rate


class DeviceConsumer(AsyncWebsocketConsumer):
    async def __call__(self, scope, receive, send):
        # Device data never travels through the channel layer (at-most-once, and a Redis outage must
        # not stop ingest), so the consumer does not subscribe to it.
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        # One source of messages, so a plain loop (Channels' multi-source dispatcher creates a task
        # per message, which is most of the per-window cost at hundreds of chairs).
        with contextlib.suppress(StopConsumer):
            while True:
                await self.dispatch(await receive())

    async def dispatch(self, message):
        # Channels closes stale DB connections before every message (a thread hop each); the ORM work
        # here happens in database_sync_to_async and the batcher thread, which clean up themselves.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- handshake -------------------------------------------------------------------------------------
    async def websocket_connect(self, message):
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in self.scope.get("headers", [])}
        meta = {"REMOTE_ADDR": (self.scope.get("client") or ("", 0))[0]}
        if "x-forwarded-for" in headers:
            meta["HTTP_X_FORWARDED_FOR"] = headers["x-forwarded-for"]
        self.ip = client_ip_from_meta(meta)
        self.device: DeviceIdentity | None = None
        result = await database_sync_to_async(services.device_connect)(
            authorization=headers.get("authorization"), origin=headers.get("origin"), ip=self.ip
        )
        if isinstance(result, HandshakeRefusal):
            log.info("ingest.refused", extra={"reason": result.reason, "ip": self.ip})
            await self.close()  # before accept: the handshake is answered with HTTP 403
            return
        self.device = result
        self.batcher = get_batcher()
        self.recordings: dict[uuid.UUID, RecordingInfo] = {}
        self.ended: dict[uuid.UUID, int] = {}
        self.said_hello = False
        self.closing = False
        self.connected_at = time.monotonic()
        self.stats = {"windows": 0, "bytes": 0, "duplicates": 0, "rejected": 0, "throttled_s": 0.0}
        self.unflushed_rejects = 0
        self.in_flight = 0
        self.budget = asyncio.Event()
        self.budget.set()
        self.outbox: list[str] = []
        self.acks: dict[uuid.UUID, int] = {}
        self.wake_writer = asyncio.Event()
        self.frame_bucket = TokenBucket(settings.INGEST_RATE_WINDOWS_PER_SECOND, settings.INGEST_RATE_WINDOWS_BURST)
        self.byte_bucket = TokenBucket(settings.INGEST_RATE_BYTES_PER_SECOND, settings.INGEST_RATE_BYTES_BURST)
        await self.accept()
        previous = _live.get(self.device.device_id)
        _live[self.device.device_id] = self
        if previous is not None:
            previous.close_later(CLOSE_SUPERSEDED, "superseded", "a newer connection of this device took over")
        loop = asyncio.get_running_loop()
        self.writer_task = loop.create_task(self._writer())
        self.watch_task = loop.create_task(self._watch())

    # --- incoming ----------------------------------------------------------------------------------------
    async def websocket_receive(self, message):
        if self.device is None or self.closing:
            return
        data = message.get("bytes")
        if data is not None:
            await self._on_window(data)
        else:
            await self._on_control(message.get("text") or "")

    async def _on_window(self, data: bytes) -> None:
        self.stats["bytes"] += len(data)
        # Throttle rather than drop: waiting here stops reading the socket, which slows the sender.
        wait = max(self.frame_bucket.take(1), self.byte_bucket.take(len(data)))
        if wait > 0:
            wait = min(wait, 5.0)
            self.stats["throttled_s"] = round(self.stats["throttled_s"] + wait, 3)
            await asyncio.sleep(wait)
        if not self.said_hello:
            return self._reject("hello_first", "send hello before any data")
        try:
            window = codec.decode_window(data, max_bytes=settings.INGEST_MAX_FRAME_BYTES)
        except codec.FrameError as exc:
            return self._reject(exc.code, exc.message)
        recording = self.recordings.get(window.recording_id)
        if recording is None:
            return self._reject("unknown_recording", "open the recording before sending its windows", window=window)
        problem = _mismatch(recording, window)
        if problem:
            return self._reject("bad_shape", problem, window=window)
        expected = self.ended.get(recording.id)
        if expected is not None and window.seq >= expected:
            return self._reject("after_end", f"the recording ended with {expected} windows", window=window)
        mark = self.batcher.mark(recording.id)
        if mark is not None and mark.holds(window.seq):
            # A replay of something already stored: acknowledge, store nothing.
            self.stats["duplicates"] += 1
            self.deliver_ack(recording.id, mark.through)
            return None
        if mark is not None and window.seq > mark.through + settings.INGEST_MAX_SEQ_AHEAD:
            return self._reject(
                "seq_too_far_ahead",
                f"seq {window.seq} is too far beyond {mark.through}; declare gaps first",
                window=window,
            )
        row = WindowRow(
            recording_id=recording.id,
            seq=window.seq,
            sample_start=window.sample_start,
            n_samples=window.n_samples,
            device_time_us=window.device_time_us,
            lead_off=window.lead_off,
            flags=window.flags,
            encoding=0,
            payload=window.payload,
            wire_bytes=len(data),
            device_id=self.device.device_id,
        )
        self.in_flight += 1
        await self.batcher.submit_window(PendingWindow(sink=self, recording=recording, window=window, row=row))
        if self.in_flight >= settings.INGEST_MAX_IN_FLIGHT_PER_CONNECTION:
            self.budget.clear()
            await self.budget.wait()
        return None

    async def _on_control(self, text: str) -> None:
        try:
            msg = messages.parse_agent_message(text)
        except messages.ProtocolError as exc:
            return self._reject(exc.code, exc.message)
        kind = msg["type"]
        if kind == "hello":
            if msg["protocol"] != codec.PROTOCOL_VERSION:
                self._send_error(
                    "unsupported_version",
                    f"this server speaks protocol {codec.PROTOCOL_VERSION}, not {msg['protocol']}",
                    fatal=True,
                )
                return self.close_later(CLOSE_PROTOCOL)
            self.said_hello = True
            self.agent = msg["agent"]
            self._queue(
                {
                    "type": "welcome",
                    "protocol": codec.PROTOCOL_VERSION,
                    "server_time_us": int(time.time() * 1e6),
                    "device": {"id": self.device.device_id, "name": self.device.name, "chair": self.device.chair_name},
                    "limits": {
                        "max_frame_bytes": settings.INGEST_MAX_FRAME_BYTES,
                        "max_in_flight": settings.INGEST_MAX_IN_FLIGHT_PER_CONNECTION,
                        "windows_per_second": settings.INGEST_RATE_WINDOWS_PER_SECOND,
                    },
                }
            )
            return None
        if not self.said_hello:
            return self._reject("hello_first", "send hello first")
        if kind == "open":
            return await self._open(msg["recording"])
        recording = self.recordings.get(uuid.UUID(msg["recording"]))
        if recording is None:
            return self._reject("unknown_recording", "open the recording first")
        if kind == "gap":
            row = GapRow(recording.id, msg["from_seq"], msg["to_seq"], msg["reason"])
            self.batcher.submit_control(PendingControl(sink=self, recording=recording, gap=row))
        elif kind == "end":
            self.ended[recording.id] = msg["windows"]
            row = EndRow(recording.id, msg["windows"], msg["samples"], msg["reason"])
            self.batcher.submit_control(PendingControl(sink=self, recording=recording, end=row))
        return None

    async def _open(self, spec: dict) -> None:
        rec_id = uuid.UUID(spec["id"])
        if rec_id not in self.recordings and len(self.recordings) >= settings.INGEST_MAX_RECORDINGS_PER_CONNECTION:
            return self._reject("too_many_recordings", "too many open recordings on one connection")
        try:
            opened = await database_sync_to_async(services.recording_open)(
                device=self.device, spec=spec, agent=getattr(self, "agent", "")
            )
        except DomainError as exc:
            return self._reject(exc.code, exc.message)
        if rec_id not in self.recordings:
            mark = self.batcher.attach(
                rec_id, through=opened.acked_through, stored_above=opened.stored_above, gaps=opened.declared_gaps
            )
            self.recordings[rec_id] = RecordingInfo(
                id=rec_id,
                clinic_id=opened.clinic_id,
                chair_id=opened.chair_id,
                device_id=opened.device_id,
                sampling_rate=opened.sampling_rate,
                channels=opened.channels,
                dtype=opened.dtype,
                scale_uv=float(np.float32(opened.scale_uv)),
                window_samples=opened.window_samples,
            )
        else:
            mark = self.batcher.mark(rec_id)
        if opened.windows_expected is not None:
            self.ended[rec_id] = opened.windows_expected
        self._queue({"type": "opened", "recording": str(rec_id), "acked_through": mark.through})
        return None

    def _reject(self, code: str, message: str, *, window: codec.Window | None = None) -> None:
        self.stats["rejected"] += 1
        self.unflushed_rejects += 1
        extra = {"recording": str(window.recording_id), "seq": window.seq} if window is not None else {}
        self._send_error(code, message, **extra)
        if self.stats["rejected"] >= settings.INGEST_MAX_REJECTS_PER_CONNECTION:
            self._send_error("too_many_errors", "too many rejected frames; closing", fatal=True)
            self.close_later(CLOSE_POLICY)

    def _send_error(self, code: str, message: str, *, fatal: bool = False, **extra) -> None:
        self._queue({"type": "error", "code": code, "message": message, "fatal": fatal, **extra})

    # --- called by the batcher ------------------------------------------------------------------------------
    def deliver_ack(self, recording_id: uuid.UUID, through: int) -> None:
        if through > self.acks.get(recording_id, -2):
            self.acks[recording_id] = through
            self.wake_writer.set()

    def deliver_ended(self, recording_id: uuid.UUID, through: int, complete: bool) -> None:
        self._queue({"type": "ended", "recording": str(recording_id), "through": through, "complete": complete})

    def committed(self, count: int) -> None:
        self.stats["windows"] += count
        self.in_flight -= count
        if self.in_flight < settings.INGEST_MAX_IN_FLIGHT_PER_CONNECTION:
            self.budget.set()

    def storage_failed(self) -> None:
        # The windows were not stored; the device keeps them and sends them again after reconnecting.
        self._send_error("storage_unavailable", "the server could not store data; reconnect later", fatal=True)
        self.close_later(CLOSE_STORAGE)

    # --- outgoing ---------------------------------------------------------------------------------------------
    def _queue(self, msg: dict) -> None:
        self.outbox.append(messages.dumps(msg))
        self.wake_writer.set()

    def close_later(self, code: int, error: str = "", message: str = "") -> None:
        if error:
            self._send_error(error, message, fatal=True)
        self.closing = True
        self.close_code = code
        self.wake_writer.set()

    async def _writer(self) -> None:
        try:
            while True:
                await self.wake_writer.wait()
                self.wake_writer.clear()
                frames, self.outbox = self.outbox, []
                if self.acks:
                    acks, self.acks = self.acks, {}
                    frames += [
                        messages.dumps({"type": "ack", "recording": str(r), "through": t}) for r, t in acks.items()
                    ]
                for text in frames:
                    await self.send(text_data=text)
                if self.closing:
                    await self.close(code=self.close_code)
                    return
        except Exception:  # noqa: BLE001 - the peer went away mid-send
            log.debug("ingest.writer_stopped", exc_info=True)

    async def _watch(self) -> None:
        """Hello deadline, periodic re-check of the device token, reject counter flush."""
        started = last_check = time.monotonic()
        tick = min(1.0, settings.INGEST_REVALIDATE_SECONDS, settings.INGEST_HELLO_TIMEOUT_SECONDS)
        try:
            while not self.closing:
                await asyncio.sleep(tick)
                now = time.monotonic()
                if not self.said_hello and now - started >= settings.INGEST_HELLO_TIMEOUT_SECONDS:
                    self.close_later(CLOSE_PROTOCOL, "hello_timeout", "no hello received")
                    return
                if now - last_check < settings.INGEST_REVALIDATE_SECONDS:
                    continue
                last_check = now
                await self._flush_rejects()
                still = await database_sync_to_async(services.device_still_authorised)(
                    device_id=self.device.device_id, token_digest=self.device.token_digest
                )
                if not still:
                    self.close_later(CLOSE_REVOKED, "revoked", "this device token was revoked or replaced")
        except asyncio.CancelledError:
            pass

    async def _flush_rejects(self) -> None:
        count, self.unflushed_rejects = self.unflushed_rejects, 0
        if count:
            await database_sync_to_async(services.device_frames_rejected)(device_id=self.device.device_id, count=count)

    async def websocket_disconnect(self, message):
        if self.device is not None:
            for task in (self.writer_task, self.watch_task):
                task.cancel()
            if _live.get(self.device.device_id) is self:
                del _live[self.device.device_id]
            for rec_id in self.recordings:
                self.batcher.detach(rec_id)
            self.closing = True
            stats = dict(self.stats, seconds=round(time.monotonic() - self.connected_at, 1), code=message.get("code"))
            rejects, self.unflushed_rejects = self.unflushed_rejects, 0
            left = {"device_id": self.device.device_id, "ip": self.ip, "stats": stats, "rejects": rejects}
            try:
                await _record_disconnect(left)
            except Exception:  # noqa: BLE001 - the database may be the reason we are going down
                log.warning("ingest.disconnect_audit_deferred", extra={"device": self.device.device_id})
                left["stats"] = dict(stats, disconnected_at=round(time.time(), 3), written_late=True)
                task = asyncio.get_running_loop().create_task(_record_disconnect_later(left))
                _deferred.add(task)
                task.add_done_callback(_deferred.discard)
        raise StopConsumer()


async def _record_disconnect(left: dict) -> None:
    """Write what a closed connection leaves: its rejected-frame count, then the disconnect audit row."""
    if left["rejects"]:
        count = left["rejects"]
        await database_sync_to_async(services.device_frames_rejected)(device_id=left["device_id"], count=count)
        left["rejects"] = 0  # written: a retry must not add it again
    await database_sync_to_async(services.device_disconnect)(
        device_id=left["device_id"], ip=left["ip"], stats=left["stats"]
    )


_deferred: set[asyncio.Task] = set()


async def _record_disconnect_later(left: dict) -> None:
    """The database was down when the device went away (often why it went away): keep trying, with
    backoff, for ``INGEST_DEFERRED_AUDIT_SECONDS``; the row says when the device left."""
    deadline = time.monotonic() + settings.INGEST_DEFERRED_AUDIT_SECONDS
    delay = 0.5
    while True:
        await asyncio.sleep(delay)
        try:
            await _record_disconnect(left)
            log.info("ingest.disconnect_audit_written_late", extra={"device": left["device_id"]})
            return
        except Exception:  # noqa: BLE001 - still down
            if time.monotonic() + delay > deadline:
                log.exception("ingest.disconnect_audit_failed", extra={"device": left["device_id"]})
                return
            delay = min(delay * 2, 15.0)


def _mismatch(recording: RecordingInfo, window: codec.Window) -> str:
    if window.sampling_rate != recording.sampling_rate:
        return f"sampling rate {window.sampling_rate} Hz differs from the recording's {recording.sampling_rate} Hz"
    if window.channels != len(recording.channels):
        return f"{window.channels} channels; the recording has {len(recording.channels)}"
    if window.dtype_name != recording.dtype:
        return f"sample type {window.dtype_name}; the recording uses {recording.dtype}"
    if window.scale_uv != recording.scale_uv:
        return "scale differs from the recording's"
    if window.n_samples > recording.window_samples:
        return f"{window.n_samples} samples per window; the recording declared at most {recording.window_samples}"
    return ""
