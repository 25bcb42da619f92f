"""The agent: driver → windows → durable outbox → uplink.

One recording per acquisition run: a new UUID each time the front end starts (agent start, or
after a front-end failure), so a restart never pretends that time was continuous. Windows carry
the index of their first sample; samples the hardware lost shift the index and flag the window.
On shutdown the last partial window is kept, the recording is ended, and the agent waits up to
``drain_timeout_s`` for the server to acknowledge everything (what remains is sent next start).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable

import numpy as np

from edge_agent import codec
from edge_agent.config import AgentConfig
from edge_agent.drivers import Driver, DriverError, make_driver
from edge_agent.outbox import Outbox
from edge_agent.uplink import Uplink

log = logging.getLogger("edge_agent")

DRIVER_RETRY_S = 5.0


class Agent:
    def __init__(
        self,
        config: AgentConfig,
        *,
        driver: Driver | None = None,
        on_ack: Callable[[str, list], None] | None = None,
    ) -> None:
        self.config = config
        self.driver = driver or make_driver(config)
        self.outbox = Outbox(
            config.outbox.path,
            max_bytes=config.outbox.max_bytes,
            warn_fraction=config.outbox.warn_fraction,
            synchronous=config.outbox.synchronous,
        )
        self.uplink = Uplink(config, self.outbox, on_ack=on_ack)
        self.recording_id: uuid.UUID | None = None
        self.windows_written = 0

    async def run(self, stop: asyncio.Event) -> None:
        interrupted = self.outbox.interrupt_open_recordings()
        if interrupted:
            log.warning("closing %d recording(s) a previous run left open; unsent windows follow", len(interrupted))
        self.outbox.prune_ledger()
        uplink_task = asyncio.create_task(self.uplink.run(), name="uplink")
        try:
            while not stop.is_set():
                try:
                    if await self._acquire(stop) == "exhausted":
                        log.info("the source has no more samples; sending what is left")
                        await stop.wait()
                except DriverError as exc:
                    log.error("front end failed: %s; retrying in %.0f s", exc, DRIVER_RETRY_S)
                    await _wait(stop, DRIVER_RETRY_S)
        finally:
            drained = await self.uplink.drain(self.config.server.drain_timeout_s)
            if not drained:
                log.warning("%d window(s) not yet acknowledged; they are kept and sent next time", self.outbox.count())
            self.uplink.stop()
            uplink_task.cancel()
            # Never hang on the way out: give the uplink a moment to close its socket, no more.
            await asyncio.wait({uplink_task}, timeout=5)
            self.outbox.close()

    async def _acquire(self, stop: asyncio.Event) -> str:
        """One recording; returns "stopped" (asked to stop) or "exhausted" (a finite source ended)."""
        driver = self.driver
        driver.open()
        rec_id = uuid.uuid4()
        self.recording_id = rec_id
        driver.start_recording(rec_id)
        fs = driver.sampling_rate
        n = max(1, fs * self.config.window_ms // 1000)
        started_us = int(time.time() * 1_000_000)
        spec = {
            "id": str(rec_id),
            "sampling_rate": fs,
            "channels": [c.as_spec() for c in self.config.channels],
            "dtype": codec.DTYPE_NAMES[driver.dtype],
            "scale_uv": float(np.float32(driver.scale_uv)),
            "window_samples": n,
            "started_at_us": started_us,
            "driver": driver.name,
        }
        self.outbox.begin_recording(spec)
        self.uplink.notify_recordings()
        log.info("recording %s started: %s", rec_id, driver.describe())
        writer = _Windower(self, rec_id, spec, started_us)
        reason = "stopped"
        outcome = "stopped"
        try:
            async for block in driver.blocks(stop):
                writer.add(block)
            if not stop.is_set():
                outcome = "exhausted"
        except DriverError:
            reason = "driver_error"
            raise
        finally:
            writer.flush()
            self.outbox.end_recording(str(rec_id), reason)
            self.uplink.notify_recordings()
            driver.close()
            log.info("recording %s ended (%s): %d windows", rec_id, reason, writer.seq)
        return outcome


class _Windower:
    """Cuts driver blocks into protocol windows and writes each to the outbox."""

    def __init__(self, agent: Agent, rec_id: uuid.UUID, spec: dict, started_us: int) -> None:
        self.agent = agent
        self.rec_id = rec_id
        self.fs = spec["sampling_rate"]
        self.n = spec["window_samples"]
        self.dtype = codec.DTYPE_CODES[spec["dtype"]]
        self.scale = spec["scale_uv"]
        self.started_us = started_us
        self.buffer: list[np.ndarray] = []
        self.buffered = 0
        self.next_sample = 0  # index of the first buffered sample
        self.seq = 0
        self.lead_off = 0
        self.flags = 0

    def add(self, block) -> None:
        if block.lost_before:
            self.flush()
            self.next_sample += block.lost_before
            self.flags |= codec.FLAG_DEVICE_LOSS
        self.buffer.append(block.samples)
        self.buffered += block.samples.shape[1]
        self.lead_off |= block.lead_off
        while self.buffered >= self.n:
            self._emit(self.n)

    def flush(self) -> None:
        if self.buffered:
            self._emit(self.buffered)

    def _emit(self, count: int) -> None:
        data = np.concatenate(self.buffer, axis=1) if len(self.buffer) > 1 else self.buffer[0]
        window, rest = data[:, :count], data[:, count:]
        self.buffer = [rest] if rest.shape[1] else []
        self.buffered = rest.shape[1]
        start = self.next_sample
        device_time_us = self.started_us + (start * 1_000_000) // self.fs
        frame = codec.encode_window(
            recording_id=self.rec_id,
            seq=self.seq,
            sample_start=start,
            device_time_us=device_time_us,
            sampling_rate=self.fs,
            samples=window,
            dtype=self.dtype,
            scale_uv=self.scale,
            lead_off=self.lead_off,
            flags=self.flags,
        )
        self.next_sample = start + count
        self.agent.outbox.append(
            str(self.rec_id),
            self.seq,
            frame,
            end_time_us=self.started_us + (self.next_sample * 1_000_000) // self.fs,
            next_sample=self.next_sample,
        )
        self.agent.windows_written += 1
        self.seq += 1
        self.lead_off = 0
        self.flags = 0
        self.agent.uplink.notify()


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()
