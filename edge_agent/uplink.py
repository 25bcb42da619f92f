"""The websocket uplink: sends what the outbox holds, forgets what the server acknowledged.

One session per connection: hello → welcome; ``open`` every recording the server has not fully
received (its reply says how far it already stored, so a replay after any restart skips that);
declared gaps; then windows in outbox order with at most ``max_in_flight`` unacknowledged; ``end``
once a finished recording's last window is sent. Any failure (refused, dropped, stalled, no ack for
``ack_timeout_s``) ends the session; the next one starts after an exponential backoff with full
jitter and resends everything still unacknowledged — the server stores each window once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from edge_agent import AGENT_NAME, messages
from edge_agent.codec import PROTOCOL_VERSION
from edge_agent.config import AgentConfig
from edge_agent.outbox import Outbox

log = logging.getLogger("edge_agent.uplink")

MAX_REJECTIONS = 3


class SessionEnded(Exception):
    """The session cannot go on (stall, fatal error frame, unexpected reply)."""


class TokenRefused(Exception):
    pass


@dataclass
class UplinkStats:
    sessions: int = 0
    windows_sent: int = 0
    windows_acked: int = 0
    resent: int = 0
    errors: int = 0
    last_error: str = ""
    connected: bool = False


@dataclass
class _Session:
    opened: set[str] = field(default_factory=set)
    opening: dict[str, asyncio.Future] = field(default_factory=dict)
    ended_sent: set[str] = field(default_factory=set)
    ending: set[str] = field(default_factory=set)
    end_windows: dict[str, int] = field(default_factory=dict)  # ends the server committed this session
    gaps_sent: set[tuple[str, int, int]] = field(default_factory=set)
    sent_max: dict[str, int] = field(default_factory=dict)
    acked: dict[str, int] = field(default_factory=dict)
    cursor: int = 0
    resend: list[tuple[str, int]] = field(default_factory=list)
    rejections: dict[tuple[str, int], int] = field(default_factory=dict)
    last_progress: float = field(default_factory=time.monotonic)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    fatal: str = ""

    def in_flight(self) -> int:
        return sum(max(0, top - self.acked.get(rec, -1)) for rec, top in self.sent_max.items())


def backoff_delay(attempt: int, initial: float, cap: float, rng: random.Random | None = None) -> float:
    """Full jitter: uniform in [0, min(cap, initial · 2^attempt)] (never below a tenth of initial)."""
    ceiling = min(cap, initial * (2 ** min(attempt, 30)))
    return max(initial / 10, (rng or random).uniform(0, ceiling))


class Uplink:
    def __init__(self, config: AgentConfig, outbox: Outbox, *, on_ack: Callable[[str, list], None] | None = None):
        self.config = config
        self.server = config.server
        self.outbox = outbox
        self.on_ack = on_ack
        self.stats = UplinkStats()
        self._new_data = asyncio.Event()
        self._recordings_changed = True
        self._session: _Session | None = None
        self._stopping = False

    # --- called by the agent ----------------------------------------------------------------------------------
    def notify(self) -> None:
        self._new_data.set()
        if self._session is not None:
            self._session.wake.set()

    def notify_recordings(self) -> None:
        self._recordings_changed = True
        self.notify()

    def drained(self) -> bool:
        return self.outbox.count() == 0 and not self.outbox.unfinished() and not self.outbox.gaps()

    async def drain(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.drained():
                return True
            await asyncio.sleep(0.05)
        return self.drained()

    # --- the connection loop --------------------------------------------------------------------------------------
    def stop(self) -> None:
        self._stopping = True

    async def run(self) -> None:
        attempt = 0
        while not self._stopping:
            started = time.monotonic()
            delay: float | None = None
            try:
                await self._connect_once()
            except TokenRefused:
                log.error("the server refused this device's token (revoked, rotated or unknown); retrying later")
                delay = max(60.0, self.server.backoff_max_s)
            except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake, SessionEnded) as exc:
                self.stats.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("uplink session ended: %s", self.stats.last_error)
            finally:
                self.stats.connected = False
                self._session = None
            if time.monotonic() - started > 10:
                attempt = 0  # the connection was healthy for a while: start the backoff over
            if delay is None:
                delay = backoff_delay(attempt, self.server.backoff_initial_s, self.server.backoff_max_s)
            attempt += 1
            if not self._stopping:
                await asyncio.sleep(delay)

    def _token(self) -> str:
        # Read on every connection, so a rotated token can be dropped in without a restart.
        return self.server.token_file.read_text().strip()

    async def _connect_once(self) -> None:
        ssl_context = None
        if self.server.url.startswith("wss://"):
            ssl_context = ssl.create_default_context(cafile=str(self.server.ca_file) if self.server.ca_file else None)
        try:
            ws = await connect(
                self.server.url,
                additional_headers={"Authorization": f"Bearer {self._token()}"},
                open_timeout=10,
                ping_interval=self.server.ping_interval_s,
                ping_timeout=self.server.ping_interval_s * 2,
                close_timeout=2,
                max_size=2**20,
                compression=None,  # EMG noise does not compress; spare the Pi's CPU
                ssl=ssl_context,
                user_agent_header=AGENT_NAME,
            )
        except InvalidStatus as exc:
            if exc.response.status_code in (401, 403):
                raise TokenRefused() from exc
            raise
        async with ws:
            await self._run_session(ws)

    async def _run_session(self, ws) -> None:
        session = self._session = _Session()
        self.stats.sessions += 1
        await ws.send(
            messages.dumps(
                {"type": "hello", "protocol": PROTOCOL_VERSION, "agent": AGENT_NAME, "device_time_us": _now_us()}
            )
        )
        # asyncio.timeout rather than wait_for: wait_for can swallow a cancellation on Python 3.11.
        async with asyncio.timeout(10):
            welcome = messages.parse_server_message(await ws.recv())
        if welcome["type"] != "welcome":
            raise SessionEnded(f"expected welcome, got {welcome['type']}: {welcome.get('message', '')}")
        limits = welcome.get("limits") or {}
        self.max_in_flight = max(1, min(self.server.max_in_flight, int(limits.get("max_in_flight", 10**6))))
        self.stats.connected = True
        log.info("connected to %s as %s", self.server.url, (welcome.get("device") or {}).get("name", "?"))
        self._recordings_changed = True
        receiver = asyncio.create_task(self._receive(ws, session))
        try:
            await self._send_loop(ws, session, receiver)
        finally:
            receiver.cancel()

    # --- receiving ---------------------------------------------------------------------------------------------
    async def _receive(self, ws, session: _Session) -> None:
        async for raw in ws:
            try:
                msg = messages.parse_server_message(raw)
            except messages.ProtocolError as exc:
                log.warning("ignoring a malformed server message: %s", exc)
                continue
            kind = msg["type"]
            if kind == "ack":
                self._acked(session, msg["recording"], msg["through"])
            elif kind == "opened":
                future = session.opening.pop(msg["recording"], None)
                if future is not None and not future.done():
                    future.set_result(msg["acked_through"])
            elif kind == "ended":
                row = self.outbox.recording(msg["recording"])
                if row is not None:
                    # The server committed the end; once every window is acknowledged too, we are done.
                    session.end_windows[msg["recording"]] = row.next_seq
                if msg.get("complete"):
                    self.outbox.mark_end_acked(msg["recording"])
                self._acked(session, msg["recording"], msg["through"])
            elif kind == "error":
                self._error(session, msg)
            session.wake.set()

    def _acked(self, session: _Session, recording: str, through: int) -> None:
        if through <= session.acked.get(recording, -1):
            return
        session.acked[recording] = through
        session.last_progress = time.monotonic()
        released = self.outbox.ack(recording, through)
        expected = session.end_windows.get(recording)
        if expected is not None and through >= expected - 1:
            # The server has the end and every window: this recording is done on the device.
            self.outbox.mark_end_acked(recording)
        self.stats.windows_acked += len(released)
        if self.on_ack is not None and released:
            self.on_ack(recording, released)

    def _error(self, session: _Session, msg: dict) -> None:
        self.stats.errors += 1
        code, text = msg.get("code"), msg.get("message", "")
        recording, seq = msg.get("recording"), msg.get("seq")
        log.warning(
            "server error %s: %s%s", code, text, f" (recording {recording} seq {seq})" if seq is not None else ""
        )
        if msg.get("fatal"):
            session.fatal = f"{code}: {text}"
        elif isinstance(recording, str) and isinstance(seq, int):
            key = (recording, seq)
            session.rejections[key] = session.rejections.get(key, 0) + 1
            if session.rejections[key] < MAX_REJECTIONS:
                session.resend.append(key)
            else:
                # The server will never take this window: declare it lost rather than block the stream.
                log.error(
                    "window %s#%d rejected %d times (%s); declaring it lost", recording, seq, MAX_REJECTIONS, code
                )
                self.outbox.declare_gap(recording, seq, seq, "device_fault")

    # --- sending ---------------------------------------------------------------------------------------------------
    async def _send_loop(self, ws, session: _Session, receiver: asyncio.Task) -> None:
        while True:
            if receiver.done():
                receiver.result()  # re-raise ConnectionClosed, or the loop ended: the peer closed
                raise SessionEnded("the server closed the connection")
            if session.fatal:
                raise SessionEnded(session.fatal)
            if self._recordings_changed:
                self._recordings_changed = False
                await self._open_unfinished(ws, session)
            await self._send_gaps(ws, session)
            for rec, seq in session.resend[:]:
                session.resend.remove((rec, seq))
                pending = self.outbox.window(rec, seq)
                if pending is not None:
                    await ws.send(pending.frame)
                    self.stats.resent += 1
            sent = await self._send_windows(ws, session)
            await self._send_ends(ws, session)
            if sent:
                continue
            in_flight = session.in_flight()
            if in_flight and time.monotonic() - session.last_progress > self.server.ack_timeout_s:
                raise SessionEnded(
                    f"no acknowledgement for {self.server.ack_timeout_s:.0f} s with {in_flight} in flight"
                )
            session.wake.clear()
            self._new_data.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await session.wake.wait()

    async def _open_unfinished(self, ws, session: _Session) -> None:
        unfinished = self.outbox.unfinished()
        session.ending = {rec.id for rec in unfinished if rec.ended}
        for rec in unfinished:
            if rec.id in session.opened:
                continue
            future = asyncio.get_running_loop().create_future()
            session.opening[rec.id] = future
            await ws.send(messages.dumps({"type": "open", "recording": rec.spec}))
            try:
                async with asyncio.timeout(15):
                    through = await future
            except TimeoutError:
                raise SessionEnded(f"no reply to open {rec.id}") from None
            session.opened.add(rec.id)
            session.sent_max.setdefault(rec.id, through)
            self._acked(session, rec.id, through)

    async def _send_gaps(self, ws, session: _Session) -> None:
        for recording, first, last, reason in self.outbox.gaps() if self.outbox._has_gaps else ():
            key = (recording, first, last)
            if key in session.gaps_sent or recording not in session.opened:
                continue
            await ws.send(
                messages.dumps(
                    {"type": "gap", "recording": recording, "from_seq": first, "to_seq": last, "reason": reason}
                )
            )
            session.gaps_sent.add(key)

    async def _send_windows(self, ws, session: _Session) -> int:
        budget = self.max_in_flight - session.in_flight()
        if budget <= 0:
            return 0
        rows = self.outbox.pending(after_id=session.cursor, limit=min(budget, 64))
        sent = 0
        for row in rows:
            if row.recording not in session.opened:
                self._recordings_changed = True  # a recording that began after we connected
                return sent
            await ws.send(row.frame)
            session.cursor = row.row_id
            if row.seq > session.sent_max.get(row.recording, -1):
                session.sent_max[row.recording] = row.seq
            if session.in_flight() == 1:
                session.last_progress = time.monotonic()
            sent += 1
        self.stats.windows_sent += sent
        return sent

    async def _send_ends(self, ws, session: _Session) -> None:
        for rec in (session.ending & session.opened) - session.ended_sent:
            row = self.outbox.recording(rec)
            if row is None or row.end_acked:
                continue
            if self.outbox.has_unsent(rec, after_id=session.cursor):
                continue  # its last windows are not sent yet
            await ws.send(
                messages.dumps(
                    {
                        "type": "end",
                        "recording": rec,
                        "windows": row.next_seq,
                        "samples": row.next_sample,
                        "reason": row.end_reason or "stopped",
                    }
                )
            )
            session.ended_sent.add(rec)


def _now_us() -> int:
    return int(time.time() * 1_000_000)
