"""Helpers for ingest tests: a connected device, frames built with the shared codec."""

from __future__ import annotations

import json
import time
import uuid

import numpy as np
from channels.testing import WebsocketCommunicator

from edge_agent import codec

FS = 2000
N = 100  # 50 ms at 2 kHz
SCALE = 0.05


def spec(recording_id: uuid.UUID, *, fs: int = FS, n: int = N, dtype: str = "int16", scale: float = SCALE) -> dict:
    return {
        "id": str(recording_id),
        "sampling_rate": fs,
        "channels": [
            {"label": "Zygomaticus L", "muscle": "zygomaticus_major", "side": "left"},
            {"label": "Zygomaticus R", "muscle": "zygomaticus_major", "side": "right"},
        ],
        "dtype": dtype,
        "scale_uv": scale,
        "window_samples": n,
        "started_at_us": 1_700_000_000_000_000,
        "driver": "test",
    }


def samples_for(seq: int, n: int = N, channels: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seq)
    return rng.integers(-3000, 3000, size=(channels, n), dtype=np.int16)


def frame(recording_id: uuid.UUID, seq: int, *, n: int = N, fs: int = FS, samples=None, **kw) -> bytes:
    data = samples_for(seq, n) if samples is None else samples
    return codec.encode_window(
        recording_id=recording_id,
        seq=seq,
        sample_start=seq * n,
        device_time_us=1_700_000_000_000_000 + seq * n * 1_000_000 // fs,
        sampling_rate=fs,
        samples=data,
        dtype=kw.pop("dtype", codec.DTYPE_INT16),
        scale_uv=kw.pop("scale_uv", SCALE),
        **kw,
    )


async def connect(token: str | None, *, origin: str | None = None, hello: bool = True) -> WebsocketCommunicator:
    from clinic.asgi import application

    headers = []
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    communicator = WebsocketCommunicator(application, "/ws/device/", headers=headers)
    communicator.scope["client"] = ("127.0.0.1", 50000)
    connected, _ = await communicator.connect()
    if connected and hello:
        await communicator.send_to(
            text_data=json.dumps(
                {"type": "hello", "protocol": 1, "agent": "test/1", "device_time_us": int(time.time() * 1e6)}
            )
        )
        welcome = await receive(communicator)
        assert welcome["type"] == "welcome", welcome
    communicator.connected = connected
    return communicator


async def receive(communicator: WebsocketCommunicator, timeout: float = 10) -> dict:
    return json.loads(await communicator.receive_from(timeout=timeout))


async def open_recording(communicator, recording_id: uuid.UUID, **kw) -> dict:
    await communicator.send_to(text_data=json.dumps({"type": "open", "recording": spec(recording_id, **kw)}))
    return await until(communicator, "opened")


async def until(communicator, kind: str, timeout: float = 10, **match) -> dict:
    """The next message of ``kind`` (matching ``match``), skipping others."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no {kind} {match}")
        msg = await receive(communicator, timeout=left)
        if msg["type"] == kind and all(msg.get(k) == v for k, v in match.items()):
            return msg


async def ack_through(communicator, recording_id: uuid.UUID, seq: int, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        msg = await until(
            communicator, "ack", timeout=max(0.01, deadline - time.monotonic()), recording=str(recording_id)
        )
        if msg["through"] >= seq:
            return msg
