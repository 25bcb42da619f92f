"""Replay a recorded file as if it came from the front end, paced in real time (or faster).

CSV: one column per channel in µV (``units`` = "uV", "mV" or "V" converts); a header row is
allowed; a column named time/t/timestamp/seconds is skipped; empty cells or NaN stay NaN (a gap in
the source). NPZ: ``samples`` (channels, n) in µV, or ``counts`` with ``scale_uv``; ``fs`` when the
file knows its rate. Samples go out as float32 µV (NaN kept), so the stored recording equals the file.

Options: path (required), sampling_rate (when the file has none; else [device] sampling_rate),
units, speed (1.0 = real time), loop (false).
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np

from edge_agent.codec import DTYPE_FLOAT32
from edge_agent.config import AgentConfig, ConfigError
from edge_agent.drivers.base import Block, Driver, DriverError

UNITS = {"uv": 1.0, "µv": 1.0, "mv": 1e3, "v": 1e6}
TIME_COLUMNS = {"time", "t", "timestamp", "seconds", "time_s"}


def load_samples(path: Path, units: str = "uV") -> tuple[np.ndarray, int | None]:
    """(samples µV float64 (channels, n), sampling rate or None) from a CSV or NPZ file."""
    factor = UNITS.get(units.lower())
    if factor is None:
        raise ConfigError("[driver.replay] units must be uV, mV or V")
    if path.suffix.lower() == ".npz":
        with np.load(path) as data:
            fs = int(data["fs"]) if "fs" in data else None
            if "samples" in data:
                samples = np.asarray(data["samples"], dtype=float) * factor
            elif "counts" in data:
                samples = np.asarray(data["counts"], dtype=float) * float(data["scale_uv"])
            else:
                raise ConfigError(f"{path}: an NPZ needs 'samples' or 'counts' + 'scale_uv'")
        return np.atleast_2d(samples), fs
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise ConfigError(f"{path} is empty")
    header = None
    try:
        [float(x) if x.strip() else 0.0 for x in rows[0]]
    except ValueError:
        header, rows = [h.strip().lower() for h in rows[0]], rows[1:]
    keep = [i for i in range(len(rows[0])) if not header or header[i] not in TIME_COLUMNS]
    data = np.array([[float(r[i]) if r[i].strip() else np.nan for i in keep] for r in rows if r], dtype=float)
    return data.T * factor, None


class ReplayDriver(Driver):
    name = "replay"

    def __init__(self, config: AgentConfig) -> None:
        super().__init__(config)
        opts = self.options
        if "path" not in opts:
            raise ConfigError("[driver.replay] path is required")
        self.path = Path(opts["path"]).expanduser()
        if not self.path.is_absolute() and config.source is not None:
            self.path = config.source.parent / self.path
        self.speed = float(opts.get("speed", 1.0))
        self.loop_file = bool(opts.get("loop", False))
        self.dtype = DTYPE_FLOAT32
        self.scale_uv = 1.0
        self.units = str(opts.get("units", "uV"))
        self._data: np.ndarray | None = None
        if "sampling_rate" in opts:
            self.sampling_rate = int(opts["sampling_rate"])

    def open(self) -> None:
        if not self.path.exists():
            raise DriverError(f"no file at {self.path}")
        data, fs = load_samples(self.path, self.units)
        if fs and "sampling_rate" not in self.options:
            self.sampling_rate = fs
        if data.shape[0] < self.channels:
            raise DriverError(f"{self.path} has {data.shape[0]} channel(s); {self.channels} are configured")
        self._data = data[: self.channels].astype(np.float32)

    def describe(self) -> str:
        return f"replay of {self.path.name}: {self.channels} channel(s) at {self.sampling_rate} Hz, speed {self.speed}"

    async def blocks(self, stop: asyncio.Event) -> AsyncIterator[Block]:
        if self._data is None:
            self.open()
        loop = asyncio.get_running_loop()
        step = max(1, self.sampling_rate // 100)  # 10 ms blocks
        started, sent = loop.time(), 0
        while not stop.is_set():
            for at in range(0, self._data.shape[1], step):
                if stop.is_set():
                    return
                chunk = self._data[:, at : at + step]
                sent += chunk.shape[1]
                due = started + sent / (self.sampling_rate * self.speed)
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                yield Block(samples=np.ascontiguousarray(chunk))
            if not self.loop_file:
                return
