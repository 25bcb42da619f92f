"""Fuzzing the device consumer with malformed, truncated, oversized, mutated and replayed frames
on one live connection: it never crashes, answers each bad frame with an error frame, stores
nothing from a bad frame and exactly one row per good window."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from channels.db import database_sync_to_async
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions.models import RecordingWindow
from tests.ingest.helpers import connect, frame, open_recording, receive

KINDS = ["garbage", "truncated", "oversized", "mutated", "replayed", "fresh", "bad_text"]


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.data())
def test_the_consumer_survives_hostile_frames(device, connection, data):
    state = connection
    loop = state["loop"]
    ws, rid = state["ws"], state["rid"]
    kind = data.draw(st.sampled_from(KINDS))
    good_seq = state["next_seq"]
    if kind == "garbage":
        payload = data.draw(st.binary(min_size=1, max_size=600))
    elif kind == "truncated":
        full = frame(rid, good_seq)
        payload = full[: data.draw(st.integers(1, len(full) - 1))]
    elif kind == "oversized":
        payload = b"RW" + bytes(data.draw(st.integers(65 * 1024, 200 * 1024)))
    elif kind == "mutated":
        raw = bytearray(frame(rid, good_seq))
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] ^= data.draw(st.integers(1, 255))
        payload = bytes(raw)
    elif kind == "replayed":
        payload = frame(rid, data.draw(st.integers(0, max(0, good_seq - 1)))) if good_seq else frame(rid, 0)
    elif kind == "bad_text":
        payload = data.draw(st.text(min_size=1, max_size=300))
    else:
        payload = frame(rid, good_seq)

    async def exchange():
        if isinstance(payload, str):
            await ws.send_to(text_data=payload)
        else:
            await ws.send_to(bytes_data=payload)
        reply = await receive(ws, timeout=10)
        while reply["type"] == "ack" and kind not in ("fresh", "replayed"):
            reply = await receive(ws, timeout=10)  # a late ack of an earlier window
        return reply

    reply = loop.run_until_complete(exchange())
    stored = loop.run_until_complete(database_sync_to_async(RecordingWindow.objects.filter(recording_id=rid).count)())
    if kind == "fresh" or (kind == "replayed" and good_seq == 0):
        assert reply["type"] == "ack", reply
        if reply["through"] < good_seq:  # the commit's ack can come just after a duplicate's
            reply = loop.run_until_complete(receive(ws, timeout=10))
        state["next_seq"] += 1
    elif kind == "replayed":
        assert reply["type"] == "ack" and reply["through"] == good_seq - 1
    else:
        assert reply["type"] == "error" and reply["code"] and reply["fatal"] is False, reply
    assert stored == state["next_seq"]


@pytest.fixture
def connection(device, settings):
    settings.INGEST_MAX_REJECTS_PER_CONNECTION = 10_000
    loop = asyncio.new_event_loop()
    rid = uuid.uuid4()

    async def start():
        ws = await connect(device.token)
        await open_recording(ws, rid)
        return ws

    ws = loop.run_until_complete(start())
    state = {"loop": loop, "ws": ws, "rid": rid, "next_seq": 0}
    yield state
    loop.run_until_complete(ws.disconnect())
    loop.close()
