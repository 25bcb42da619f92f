"""The one interface every front end implements.

A driver turns its hardware (or a simulation, or a file) into ``Block``s: a few milliseconds of
every channel as integer counts (or float µV), with lead-off bits and the number of samples the
hardware lost just before the block. The agent cuts blocks into protocol windows; the driver never
deals with windows, sequence numbers or the network.

Hardware drivers implement the blocking ``read``; ``blocks`` runs it on one reader thread so the
event loop never waits on a serial port or SPI bus. Clocked sources (simulation, replay) override
``blocks`` and pace themselves with the event loop.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from abc import ABC
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from edge_agent.config import AgentConfig


class DriverError(RuntimeError):
    """The front end failed (unplugged, wrong chip, lost sync); the agent ends the recording."""


@dataclass(slots=True)
class Block:
    samples: np.ndarray  # (channels, k): int16 / int32 counts, or float32 µV
    lead_off: int = 0  # bit i set = electrode of channel i off at some point in the block
    lost_before: int = 0  # samples per channel the hardware lost just before this block


class Driver(ABC):
    name: ClassVar[str]
    sampling_rate: int
    channels: int
    dtype: int  # edge_agent.codec DTYPE_*
    scale_uv: float  # µV per count (1.0 for float32)

    def __init__(self, config: AgentConfig) -> None:
        self.config = config
        self.options = dict(config.driver_options)
        self.sampling_rate = config.sampling_rate
        self.channels = len(config.channels)

    def open(self) -> None:  # noqa: B027 - optional hook
        """Acquire the hardware; raise DriverError with a clear message when it is not there."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the hardware."""

    def start_recording(self, recording_id: uuid.UUID) -> None:  # noqa: B027 - optional hook
        """Called when a new recording starts (simulation derives its signal from the id)."""

    def read(self) -> Block:
        """Block until the next few milliseconds of samples are available."""
        raise NotImplementedError

    def describe(self) -> str:
        return f"{self.name}: {self.channels} channel(s) at {self.sampling_rate} Hz"

    async def blocks(self, stop: asyncio.Event) -> AsyncIterator[Block]:
        """Blocks as they arrive, read on a dedicated thread, until ``stop`` is set."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue(maxsize=256)
        stop = threading.Event()

        def reader() -> None:
            try:
                while not stop.is_set():
                    block = self.read()
                    # Blocks the reader (not the loop) while the queue is full: the hardware's own
                    # buffer then overflows, which the driver sees and reports as lost samples.
                    asyncio.run_coroutine_threadsafe(queue.put(block), loop).result()
            except BaseException as exc:  # noqa: BLE001 - handed to the event loop
                if not stop.is_set() and not loop.is_closed():
                    asyncio.run_coroutine_threadsafe(queue.put(exc), loop)

        thread = threading.Thread(target=reader, name=f"driver-{self.name}", daemon=True)
        thread.start()
        try:
            while not stop.is_set():
                try:
                    async with asyncio.timeout(0.5):
                        item = await queue.get()
                except TimeoutError:
                    continue  # a silent front end: look at ``stop`` again
                if isinstance(item, BaseException):
                    raise item if isinstance(item, DriverError) else DriverError(str(item)) from item
                yield item
        finally:
            stop.set()


def check_channels(driver: Driver, available: int) -> None:
    if driver.channels > available:
        raise DriverError(f"{driver.name}: {driver.channels} channels configured, the source has {available}")
