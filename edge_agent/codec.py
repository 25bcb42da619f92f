"""Binary data windows: the one frame format for samples, shared by the agent and the server.

A window is a few tens of milliseconds of every channel of one recording. Layout, little-endian,
``HEADER_SIZE`` bytes of header, the payload, then a CRC-32 of everything before it::

    off size field
      0    2 magic            b"RW"
      2    1 version          PROTOCOL_VERSION (1)
      3    1 kind             1 = data window
      4   16 recording id     UUID chosen by the device (bytes, RFC 4122 order)
     20    4 seq              u32, 0, 1, 2 ... per recording, no holes unless declared
     24    8 sample_start     i64, index of the first sample of this window in the recording
     32    8 device_time_us   i64, device clock at the first sample, µs since the Unix epoch
     40    4 sampling_rate    u32, Hz (per channel)
     44    1 channels         u8, 1..8
     45    1 dtype            u8, 1 = int16, 2 = int24 (3 bytes), 3 = float32
     46    2 n_samples        u16, samples per channel in this window
     48    4 scale_uv         f32, microvolts per count (1.0 for float32 payloads, which are µV)
     52    1 lead_off         u8, bit i set = electrode of channel i was off during the window
     53    1 flags            u8, bit 0 = samples were lost on the device just before this window
     54    2 reserved         0
     56    .. payload         channel-major: n samples of channel 0, then channel 1, ...
    end    4 crc32            zlib.crc32 of bytes [0, end)

Decoding never trusts a field before checking it: every malformed frame raises ``FrameError``
with a stable ``code`` that the server sends back in its error frame.
"""

from __future__ import annotations

import math
import struct
import uuid
import zlib
from dataclasses import dataclass

import numpy as np

PROTOCOL_VERSION = 1
MAGIC = b"RW"
KIND_WINDOW = 1
HEADER = struct.Struct("<2sBB16sIqqIBBHfBBH")
HEADER_SIZE = HEADER.size  # 56
CRC_SIZE = 4
MAX_CHANNELS = 8
MAX_SAMPLES_PER_WINDOW = 4096
MAX_FRAME_BYTES = HEADER_SIZE + MAX_CHANNELS * MAX_SAMPLES_PER_WINDOW * 4 + CRC_SIZE

DTYPE_INT16 = 1
DTYPE_INT24 = 2
DTYPE_FLOAT32 = 3
DTYPE_NAMES = {DTYPE_INT16: "int16", DTYPE_INT24: "int24", DTYPE_FLOAT32: "float32"}
DTYPE_CODES = {name: code for code, name in DTYPE_NAMES.items()}
DTYPE_SIZES = {DTYPE_INT16: 2, DTYPE_INT24: 3, DTYPE_FLOAT32: 4}
INT24_MIN, INT24_MAX = -(1 << 23), (1 << 23) - 1

FLAG_DEVICE_LOSS = 0x01
KNOWN_FLAGS = FLAG_DEVICE_LOSS


class FrameError(ValueError):
    """A frame that cannot be accepted. ``code`` is stable and machine-readable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Window:
    recording_id: uuid.UUID
    seq: int
    sample_start: int
    device_time_us: int
    sampling_rate: int
    channels: int
    dtype: int
    n_samples: int
    scale_uv: float
    lead_off: int
    flags: int
    payload: bytes  # channel-major samples in ``dtype``

    @property
    def dtype_name(self) -> str:
        return DTYPE_NAMES[self.dtype]

    @property
    def end_time_us(self) -> int:
        """Device time just after the last sample of the window."""
        return self.device_time_us + (self.n_samples * 1_000_000) // self.sampling_rate

    def counts(self) -> np.ndarray:
        """Samples as stored on the wire, shape (channels, n_samples): int16, int32 (int24) or float32."""
        return payload_to_array(self.payload, self.dtype, self.channels, self.n_samples)

    def samples_uv(self) -> np.ndarray:
        """Samples in microvolts as float32, shape (channels, n_samples)."""
        return counts_to_uv(self.counts(), self.dtype, self.scale_uv)


def counts_to_uv(counts: np.ndarray, dtype: int, scale_uv: float) -> np.ndarray:
    if dtype == DTYPE_FLOAT32:
        return counts.astype(np.float32, copy=False)
    return (counts.astype(np.float32) * np.float32(scale_uv)).astype(np.float32, copy=False)


def payload_to_array(payload: bytes, dtype: int, channels: int, n_samples: int) -> np.ndarray:
    if dtype == DTYPE_INT16:
        flat = np.frombuffer(payload, dtype="<i2")
    elif dtype == DTYPE_FLOAT32:
        flat = np.frombuffer(payload, dtype="<f4")
    elif dtype == DTYPE_INT24:
        raw = np.frombuffer(payload, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        unsigned = raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)
        flat = (unsigned ^ 0x800000) - 0x800000
    else:
        raise FrameError("bad_dtype", f"unknown sample type {dtype}")
    return flat.reshape(channels, n_samples)


def array_to_payload(samples: np.ndarray, dtype: int) -> bytes:
    """Channel-major bytes of ``samples`` (channels, n) in the wire ``dtype``; range-checked."""
    if dtype == DTYPE_INT16:
        if samples.dtype.kind != "i" and samples.dtype.kind != "u":
            raise ValueError("int16 windows need integer samples")
        if samples.size and (samples.min() < -32768 or samples.max() > 32767):
            raise ValueError("sample out of int16 range")
        return np.ascontiguousarray(samples, dtype="<i2").tobytes()
    if dtype == DTYPE_INT24:
        if samples.dtype.kind not in "iu":
            raise ValueError("int24 windows need integer samples")
        if samples.size and (samples.min() < INT24_MIN or samples.max() > INT24_MAX):
            raise ValueError("sample out of int24 range")
        wide = np.ascontiguousarray(samples, dtype="<i4").reshape(-1).view(np.uint8).reshape(-1, 4)
        return wide[:, :3].tobytes()
    if dtype == DTYPE_FLOAT32:
        return np.ascontiguousarray(samples, dtype="<f4").tobytes()
    raise ValueError(f"unknown sample type {dtype}")


def encode_window(
    *,
    recording_id: uuid.UUID,
    seq: int,
    sample_start: int,
    device_time_us: int,
    sampling_rate: int,
    samples: np.ndarray,
    dtype: int,
    scale_uv: float,
    lead_off: int = 0,
    flags: int = 0,
) -> bytes:
    """One data-window frame for ``samples`` of shape (channels, n)."""
    if samples.ndim != 2:
        raise ValueError("samples must have shape (channels, n)")
    channels, n_samples = samples.shape
    if not 1 <= channels <= MAX_CHANNELS:
        raise ValueError(f"1..{MAX_CHANNELS} channels, got {channels}")
    if not 1 <= n_samples <= MAX_SAMPLES_PER_WINDOW:
        raise ValueError(f"1..{MAX_SAMPLES_PER_WINDOW} samples per window, got {n_samples}")
    payload = array_to_payload(samples, dtype)
    header = HEADER.pack(
        MAGIC,
        PROTOCOL_VERSION,
        KIND_WINDOW,
        recording_id.bytes,
        seq,
        sample_start,
        device_time_us,
        sampling_rate,
        channels,
        dtype,
        n_samples,
        scale_uv,
        lead_off,
        flags,
        0,
    )
    body = header + payload
    return body + struct.pack("<I", zlib.crc32(body))


def decode_window(frame: bytes | bytearray | memoryview, *, max_bytes: int = MAX_FRAME_BYTES) -> Window:
    """Parse and check one frame; raises ``FrameError`` for anything malformed."""
    size = len(frame)
    if size > max_bytes:
        raise FrameError("too_large", f"frame of {size} bytes exceeds the limit of {max_bytes}")
    if size < HEADER_SIZE + CRC_SIZE:
        raise FrameError("truncated", f"frame of {size} bytes is shorter than a header and checksum")
    frame = bytes(frame)
    (
        magic,
        version,
        kind,
        rec_bytes,
        seq,
        sample_start,
        device_time_us,
        sampling_rate,
        channels,
        dtype,
        n_samples,
        scale_uv,
        lead_off,
        flags,
        reserved,
    ) = HEADER.unpack_from(frame)
    if magic != MAGIC:
        raise FrameError("bad_magic", "not a data window (bad magic)")
    if version != PROTOCOL_VERSION:
        raise FrameError("unsupported_version", f"frame version {version}; this server speaks {PROTOCOL_VERSION}")
    if kind != KIND_WINDOW:
        raise FrameError("unknown_kind", f"unknown frame kind {kind}")
    (crc,) = struct.unpack_from("<I", frame, size - CRC_SIZE)
    if zlib.crc32(memoryview(frame)[: size - CRC_SIZE]) != crc:
        raise FrameError("crc_mismatch", "checksum does not match; frame corrupted")
    if dtype not in DTYPE_SIZES:
        raise FrameError("bad_dtype", f"unknown sample type {dtype}")
    if not 1 <= channels <= MAX_CHANNELS:
        raise FrameError("bad_shape", f"channel count {channels} is outside 1..{MAX_CHANNELS}")
    if not 1 <= n_samples <= MAX_SAMPLES_PER_WINDOW:
        raise FrameError("bad_shape", f"{n_samples} samples per channel is outside 1..{MAX_SAMPLES_PER_WINDOW}")
    expected = HEADER_SIZE + channels * n_samples * DTYPE_SIZES[dtype] + CRC_SIZE
    if size != expected:
        raise FrameError("bad_length", f"frame is {size} bytes; its header describes {expected}")
    if sampling_rate == 0:
        raise FrameError("bad_field", "sampling rate is 0")
    if sample_start < 0 or device_time_us < 0:
        raise FrameError("bad_field", "negative sample index or device time")
    if not math.isfinite(scale_uv) or scale_uv <= 0:
        raise FrameError("bad_field", "scale must be a positive finite number of µV per count")
    if lead_off >> channels:
        raise FrameError("bad_field", "lead-off bits set for channels the window does not have")
    if flags & ~KNOWN_FLAGS or reserved:
        raise FrameError("bad_field", "unknown flags or non-zero reserved bytes")
    payload = frame[HEADER_SIZE : size - CRC_SIZE]
    if dtype == DTYPE_FLOAT32 and np.isinf(np.frombuffer(payload, dtype="<f4")).any():
        raise FrameError("bad_samples", "infinite sample values")
    return Window(
        recording_id=uuid.UUID(bytes=rec_bytes),
        seq=seq,
        sample_start=sample_start,
        device_time_us=device_time_us,
        sampling_rate=sampling_rate,
        channels=channels,
        dtype=dtype,
        n_samples=n_samples,
        scale_uv=float(scale_uv),
        lead_off=lead_off,
        flags=flags,
        payload=payload,
    )
