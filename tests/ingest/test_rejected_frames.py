"""Bad frames get a clear error frame, are counted, and store nothing."""

from __future__ import annotations

import json
import uuid

import numpy as np
from channels.db import database_sync_to_async

from clinic.models import EdgeDevice
from edge_agent import codec
from sessions.models import RecordingWindow
from tests.ingest.helpers import ack_through, connect, frame, open_recording, until


async def _count() -> int:
    return await database_sync_to_async(RecordingWindow.objects.count)()


async def test_each_kind_of_bad_frame_gets_its_error_code_and_nothing_is_stored(device):
    rid = uuid.uuid4()
    ws = await connect(device.token)
    await open_recording(ws, rid)
    good = frame(rid, 0)
    corrupted = bytearray(good)
    corrupted[100] ^= 0x01
    cases = [
        (bytes(corrupted), "crc_mismatch"),
        (good[:30], "truncated"),
        (b"XX" + good[2:], "bad_magic"),
        (frame(uuid.uuid4(), 0), "unknown_recording"),
        (frame(rid, 1, fs=1000), "bad_shape"),
        (frame(rid, 2, n=200, samples=np.zeros((2, 200), dtype=np.int16)), "bad_shape"),
        (frame(rid, 3, dtype=codec.DTYPE_FLOAT32, scale_uv=1.0, samples=np.zeros((2, 100), np.float32)), "bad_shape"),
        (frame(rid, 50_000), "seq_too_far_ahead"),
        (b"\x00" * (70 * 1024), "too_large"),
    ]
    for data, code in cases:
        await ws.send_to(bytes_data=data)
        error = await until(ws, "error")
        assert error["code"] == code, (code, error)
        assert error["fatal"] is False and error["message"]
    await ws.send_to(text_data='{"type": "open", "recording": {"id": "nope"}}')
    assert (await until(ws, "error"))["code"] == "bad_message"
    await ws.send_to(text_data="not json")
    assert (await until(ws, "error"))["code"] == "bad_json"
    # The stream still works after all that.
    await ws.send_to(bytes_data=good)
    await ack_through(ws, rid, 0)
    await ws.disconnect()
    assert await _count() == 1
    dev = await database_sync_to_async(EdgeDevice.objects.get)(pk=device.pk)
    assert dev.frames_rejected == len(cases) + 2 and dev.windows_received == 1


async def test_a_device_that_keeps_sending_garbage_is_disconnected(device, settings):
    settings.INGEST_MAX_REJECTS_PER_CONNECTION = 5
    ws = await connect(device.token)
    for _ in range(5):
        await ws.send_to(bytes_data=b"garbage")
    codes = [(await until(ws, "error"))["code"] for _ in range(6)]
    assert codes[-1] == "too_many_errors"
    closed = await ws.receive_output(timeout=5)
    assert closed["type"] == "websocket.close" and closed["code"] == 1008
    await ws.disconnect()


async def test_data_before_hello_and_an_unsupported_protocol_version_are_refused(device):
    ws = await connect(device.token, hello=False)
    await ws.send_to(bytes_data=frame(uuid.uuid4(), 0))
    assert (await until(ws, "error"))["code"] == "hello_first"
    await ws.send_to(text_data=json.dumps({"type": "hello", "protocol": 99, "agent": "x", "device_time_us": 1}))
    error = await until(ws, "error")
    assert error["code"] == "unsupported_version" and error["fatal"] is True
    closed = await ws.receive_output(timeout=5)
    assert closed["code"] == 4400
    await ws.disconnect()
