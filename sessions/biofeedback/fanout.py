"""Live frames from the listener to the watching browser sockets, across server processes.

One channel-layer message per tick carries the frames of every session that produced one
(``BROADCAST_GROUP``); every server process with watchers subscribes once (the hub) and hands each
frame to its local sockets of that session. Per-session group messages would cost one Redis round
trip per frame on the sending side and one per frame on the receiving side, each waiting for a turn
of a busy event loop: at 20 chairs × 20 frames/s that fell seconds behind (docs/performance.md).

Sockets in the process that built a frame get it at once, without the round trip through Redis;
the broadcast carries the sender's process id so its own hub skips it.

Delivery is at most once, like the channel layer: the page detects holes by seq and resyncs.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from collections import defaultdict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

log = logging.getLogger("retrain.biofeedback")

BROADCAST_GROUP = "biofeedback.frames"
PROCESS_ID = uuid.uuid4().hex


class _Publisher:
    """Per event loop: frames wait here while the previous batch is being published."""

    def __init__(self) -> None:
        self.pending: list[tuple[int, str]] = []
        self.task: asyncio.Task | None = None
        self.failed_frames = 0  # frames not published since the layer started failing
        self.dropped = 0  # frames dropped from a full queue since publishing fell behind

    def add(self, session_id: int, text: str) -> None:
        if len(self.pending) >= settings.BIOFEEDBACK_FANOUT_QUEUE:
            self.pending.pop(0)  # behind: the oldest frame goes, the page resyncs the hole
            if not self.dropped:  # one warning when it starts; the count when publishing catches up
                log.warning("biofeedback.fanout_behind", extra={"session": session_id})
            self.dropped += 1
        self.pending.append((session_id, text))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        layer = get_channel_layer(settings.BIOFEEDBACK_CHANNEL_LAYER)
        while self.pending:
            batch, self.pending = self.pending, []
            if layer is None:
                continue
            try:
                await layer.group_send(BROADCAST_GROUP, {"type": "bio.batch", "frames": batch, "origin": PROCESS_ID})
            except Exception:  # noqa: BLE001 - at most once; the page resyncs
                if not self.failed_frames:  # one warning per outage, not one per tick
                    log.warning("biofeedback.fanout_failed", extra={"frames": len(batch)})
                self.failed_frames += len(batch)
                continue
            if self.failed_frames or self.dropped:
                log.warning(
                    "biofeedback.fanout_recovered",
                    extra={"frames_lost": self.failed_frames, "frames_dropped": self.dropped},
                )
                self.failed_frames = self.dropped = 0


_publishers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def publish(session_id: int, text: str) -> None:
    """Queue one frame (JSON text) for the session's watchers in every process (never waits)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is not None:
        for watcher in tuple(hub.watchers.get(session_id, ())):
            watcher.deliver(text)
    publisher = _publishers.get(loop)
    if publisher is None:
        publisher = _publishers[loop] = _Publisher()
    publisher.add(session_id, text)


async def _publish_now(frames: list[tuple[int, str]]) -> None:
    layer = get_channel_layer(settings.BIOFEEDBACK_CHANNEL_LAYER)
    if layer is not None:
        await layer.group_send(BROADCAST_GROUP, {"type": "bio.batch", "frames": frames})


def publish_from_sync(session_id: int, text: str) -> None:
    """From synchronous code (a service after its commit)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(_publish_now)([(session_id, text)])
        return
    # Synchronous code running on an event loop's own thread: publish from that loop instead.
    task = loop.create_task(_publish_now([(session_id, text)]))
    _background.add(task)
    task.add_done_callback(_background.discard)


_background: set[asyncio.Task] = set()


# --- the receiving side: one hub per process (per event loop) ---------------------------------------
class _Hub:
    def __init__(self) -> None:
        self.watchers: dict[int, set] = defaultdict(set)
        self.task: asyncio.Task | None = None
        self.ready = asyncio.Event()

    async def _run(self) -> None:
        layer = get_channel_layer(settings.BIOFEEDBACK_CHANNEL_LAYER)
        backoff = 0.2
        while True:
            try:
                channel = await layer.new_channel()
                await layer.group_add(BROADCAST_GROUP, channel)
                self.ready.set()
                backoff = 0.2
                while True:
                    message = await layer.receive(channel)
                    if message.get("origin") == PROCESS_ID:
                        continue  # delivered in this process already
                    for session_id, text in message.get("frames", ()):
                        for watcher in tuple(self.watchers.get(session_id, ())):
                            watcher.deliver(text)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - Redis went away: subscribe again
                log.warning("biofeedback.hub_reconnect")
                self.ready.clear()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)


_hubs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def watch(session_id: int, watcher) -> None:
    """Start delivering ``session_id``'s frames to ``watcher.deliver(text)`` in this process."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = _Hub()
    if hub.task is None or hub.task.done():
        hub.task = loop.create_task(hub._run())
    hub.watchers[session_id].add(watcher)
    try:
        async with asyncio.timeout(5):
            await hub.ready.wait()
    except TimeoutError:
        log.warning("biofeedback.hub_not_ready")


def unwatch(session_id: int, watcher) -> None:
    hub = _hubs.get(asyncio.get_running_loop())
    if hub is not None:
        hub.watchers[session_id].discard(watcher)
        if not hub.watchers[session_id]:
            del hub.watchers[session_id]
