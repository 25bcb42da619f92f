"""A microcontroller streaming binary frames over USB serial (pyserial).

The firmware side (any MCU with an ADC or an analog front end) sends frames, little-endian::

    off size field
      0    2 sync             0xA5 0x5A
      2    1 version          1
      3    1 format           low nibble: channels (1..8); high nibble: 1 = int16, 2 = int24
      4    1 samples          samples per channel in this frame (1..64)
      5    1 lead_off         bit i = electrode of channel i off
      6    2 counter          u16 frame counter, +1 per frame, wraps at 65536
      8    .. samples         interleaved: s0c0 s0c1 ... s1c0 s1c1 ... (2 or 3 bytes each)
    end    2 crc              CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of bytes [2, end)

The parser resynchronises on the sync word after any corruption; a CRC failure drops that frame
and a counter jump is reported as lost samples, so the window after the loss is flagged and the
stored recording has NaN there instead of silently shifted samples.
"""

from __future__ import annotations

import binascii
import struct
from dataclasses import dataclass

import numpy as np

from edge_agent.codec import DTYPE_INT16, DTYPE_INT24
from edge_agent.config import AgentConfig, ConfigError
from edge_agent.drivers.base import Block, Driver, DriverError

SYNC = b"\xa5\x5a"
VERSION = 1
HEADER = struct.Struct("<2sBBBBH")  # sync, version, format, samples, lead_off, counter
MAX_SAMPLES = 64


def crc16(data: bytes) -> int:
    return binascii.crc_hqx(data, 0xFFFF)


@dataclass(frozen=True, slots=True)
class McuFrame:
    counter: int
    lead_off: int
    samples: np.ndarray  # (channels, n) int32


@dataclass
class ParserStats:
    frames: int = 0
    crc_errors: int = 0
    resyncs: int = 0
    lost_frames: int = 0


class FrameParser:
    """Incremental parser: feed bytes as they come, get whole checked frames back."""

    def __init__(self, channels: int) -> None:
        self.channels = channels
        self.buffer = bytearray()
        self.stats = ParserStats()
        self.last_counter: int | None = None

    def feed(self, data: bytes) -> list[tuple[McuFrame, int]]:
        """Frames with the number of frames lost just before each (counter gaps)."""
        self.buffer += data
        out: list[tuple[McuFrame, int]] = []
        buf = self.buffer
        while True:
            start = buf.find(SYNC)
            if start < 0:
                # Keep a trailing 0xA5 that may start the next sync word.
                if buf:
                    self.stats.resyncs += 1 if len(buf) > 1 else 0
                    del buf[: len(buf) - (1 if buf[-1:] == SYNC[:1] else 0)]
                break
            if start:
                self.stats.resyncs += 1
                del buf[:start]
            if len(buf) < HEADER.size:
                break
            _sync, version, fmt, n, lead_off, counter = HEADER.unpack_from(buf)
            channels, kind = fmt & 0x0F, fmt >> 4
            width = {1: 2, 2: 3}.get(kind)
            if version != VERSION or width is None or channels != self.channels or not 1 <= n <= MAX_SAMPLES:
                del buf[:1]  # not a real frame start: look for the next sync word
                self.stats.resyncs += 1
                continue
            size = HEADER.size + n * channels * width + 2
            if len(buf) < size:
                break
            body = bytes(buf[2 : size - 2])
            (crc,) = struct.unpack_from("<H", buf, size - 2)
            if crc16(body) != crc:
                self.stats.crc_errors += 1
                del buf[:1]
                continue
            del buf[:size]
            raw = np.frombuffer(body, dtype=np.uint8, offset=HEADER.size - 2)
            if width == 2:
                values = raw.view("<i2").astype(np.int32)
            else:
                triples = raw.reshape(-1, 3).astype(np.int32)
                values = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
                values = (values ^ 0x800000) - 0x800000
            samples = values.reshape(n, channels).T.copy()
            lost = 0
            if self.last_counter is not None:
                lost = (counter - self.last_counter - 1) % 65536
            self.last_counter = counter
            self.stats.frames += 1
            self.stats.lost_frames += lost
            out.append((McuFrame(counter=counter, lead_off=lead_off, samples=samples), lost))
        return out


class SerialDriver(Driver):
    """Options: port (e.g. /dev/ttyACM0), baudrate (921600), scale_uv (µV per count, from the
    front end's gain and reference), sample_type ("int16" or "int24"), read_timeout_s (1.0)."""

    name = "serial"

    def __init__(self, config: AgentConfig, *, serial_factory=None) -> None:
        super().__init__(config)
        opts = self.options
        if "port" not in opts or "scale_uv" not in opts:
            raise ConfigError("[driver.serial] port and scale_uv are required")
        self.port = str(opts["port"])
        self.baudrate = int(opts.get("baudrate", 921600))
        self.scale_uv = float(opts["scale_uv"])
        sample_type = opts.get("sample_type", "int16")
        if sample_type not in ("int16", "int24"):
            raise ConfigError("[driver.serial] sample_type must be int16 or int24")
        self.dtype = DTYPE_INT16 if sample_type == "int16" else DTYPE_INT24
        self.read_timeout = float(opts.get("read_timeout_s", 1.0))
        self._factory = serial_factory
        self._serial = None
        self.parser = FrameParser(self.channels)
        self._queue: list[tuple[McuFrame, int]] = []

    def open(self) -> None:
        if self._factory is None:
            import serial  # pyserial

            self._factory = serial.Serial
        try:
            self._serial = self._factory(self.port, self.baudrate, timeout=0.05)
        except Exception as exc:  # noqa: BLE001 - SerialException, FileNotFoundError, permissions
            raise DriverError(f"cannot open {self.port}: {exc}") from exc
        self.parser = FrameParser(self.channels)
        self._queue = []

    def close(self) -> None:
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def describe(self) -> str:
        return f"serial {self.port} @ {self.baudrate} baud: {self.channels} channel(s) at {self.sampling_rate} Hz"

    def read(self) -> Block:
        import time

        deadline = time.monotonic() + self.read_timeout
        while not self._queue:
            try:
                data = self._serial.read(max(1, self._serial.in_waiting or 256))
            except Exception as exc:  # noqa: BLE001 - unplugged
                raise DriverError(f"{self.port}: {exc}") from exc
            if data:
                self._queue.extend(self.parser.feed(data))
            if not self._queue and time.monotonic() > deadline:
                raise DriverError(f"{self.port}: no valid frame for {self.read_timeout:.1f} s")
        # One block = consecutive frames; a frame after lost frames starts the next block.
        first, lost = self._queue.pop(0)
        parts, lead_off = [first.samples], first.lead_off
        while self._queue and self._queue[0][1] == 0:
            frame, _ = self._queue.pop(0)
            parts.append(frame.samples)
            lead_off |= frame.lead_off
        samples = np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]
        if self.dtype == DTYPE_INT16:
            samples = samples.astype(np.int16)
        return Block(samples=samples, lead_off=lead_off, lost_before=lost * first.samples.shape[1])
