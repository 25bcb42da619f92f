"""From the device socket to the session's watchers: envelopes, the symmetry ratio, thresholds,
and a resync of a range from the stored recording (in-process, real PostgreSQL and Redis)."""

from __future__ import annotations

import asyncio
import json
import uuid

import numpy as np
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from tests.biofeedback.conftest import ws_cookie_headers
from tests.ingest.helpers import ack_through, connect, frame, open_recording


def noise(seq: int, amplitudes: tuple[float, float]) -> np.ndarray:
    rng = np.random.default_rng(1000 + seq)
    return (rng.standard_normal((2, 100)) * np.asarray(amplitudes)[:, None]).astype(np.int16)


async def _watch(session_id: int, user) -> WebsocketCommunicator:
    from clinic.asgi import application

    headers = await database_sync_to_async(ws_cookie_headers)(user)
    ws = WebsocketCommunicator(application, f"/ws/biofeedback/{session_id}/", headers=headers)
    connected, _ = await ws.connect()
    assert connected
    state = json.loads(await ws.receive_from(timeout=5))
    assert state["type"] == "state"
    return ws


async def _frames(ws: WebsocketCommunicator, until_seq: int, timeout: float = 15) -> list[dict]:
    frames = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not frames or frames[-1]["seq_to"] < until_seq:
        msg = json.loads(await ws.receive_from(timeout=max(0.1, deadline - loop.time())))
        if msg["type"] == "frame":
            frames.append(msg)
    return frames


async def test_watchers_get_envelopes_and_the_symmetry_ratio_and_can_resync_a_range(device, start_session, therapist_a):
    session = await database_sync_to_async(start_session)(device.chair, threshold_pct=80)
    watcher = await _watch(session.pk, therapist_a)
    rid = uuid.uuid4()
    chair = await connect(device.token)
    await open_recording(chair, rid)
    # Left (affected) at half the right's amplitude: 2000 and 4000 counts of 0.05 µV = 100/200 µV.
    for seq in range(40):
        await chair.send_to(bytes_data=frame(rid, seq, samples=noise(seq, (2000, 4000))))
        await asyncio.sleep(0.01)
    await ack_through(chair, rid, 39)
    frames = await _frames(watcher, 39)
    settled = [f for f in frames if f["seq_from"] >= 4]
    assert settled, frames
    ratios = [f["ratio"] for f in settled]
    # One 100 ms RMS window of independent noise per side: each ratio wobbles, their median does not.
    assert 0.45 < float(np.median(ratios)) < 0.55 and all(0.3 < r < 0.7 for r in ratios), ratios
    assert {f["state"] for f in settled} == {"active"}  # 50 % of the healthy side, under the 80 % line
    # White noise at 2 kHz keeps 430/1000 of its power in 20–450 Hz: 100 and 200 µV RMS become 66 and 131.
    left, right = np.median([f["envelope"] for f in settled], axis=0)
    assert 58 < left < 73 and 117 < right < 145, (left, right)
    seqs = sorted({s for f in frames for s in range(f["seq_from"], f["seq_to"] + 1)})
    assert seqs == list(range(seqs[0], 40))
    live_points = {}
    for f in frames:
        for segment in f["segments"]:
            for i, value in enumerate(segment["points"][1]):
                live_points[segment["point_from"] + i] = value
    assert all(f["device_end_us"] > 0 and f["sample_end"] == (f["seq_to"] + 1) * 100 for f in frames)

    # The page saw a hole (10..14): it asks for the range and gets the same envelope back.
    await watcher.send_to(text_data=json.dumps({"type": "resync", "from_seq": 10, "to_seq": 14}))
    msg = json.loads(await watcher.receive_from(timeout=5))
    while msg["type"] != "backfill":
        msg = json.loads(await watcher.receive_from(timeout=5))
    (segment,) = msg["segments"]
    assert segment["point_from"] == 50 and len(segment["points"][1]) == 25  # 0.5 s at 100 points/s
    for i, value in enumerate(segment["points"][1]):
        assert abs(value - live_points[50 + i]) <= 0.01 * live_points[50 + i] + 0.2

    # A bad control message gets an error frame, the socket stays open.
    await watcher.send_to(text_data='{"type": "threshold", "threshold_pct": "high"}')
    error = json.loads(await watcher.receive_from(timeout=5))
    while error["type"] != "error":
        error = json.loads(await watcher.receive_from(timeout=5))
    assert error["code"] == "bad_field"
    await watcher.disconnect()
    await chair.disconnect()


async def test_a_threshold_drag_reaches_every_watcher_and_is_stored_and_audited(device, start_session, therapist_a):
    from clinic.models import AuditEvent
    from sessions.models import BiofeedbackSession

    session = await database_sync_to_async(start_session)(device.chair, protocol="inhibition")
    first = await _watch(session.pk, therapist_a)
    second = await _watch(session.pk, therapist_a)
    await first.send_to(text_data=json.dumps({"type": "ceiling", "ceiling_pct": 22.5}))
    for ws in (first, second):
        msg = json.loads(await ws.receive_from(timeout=5))
        assert msg["type"] == "state" and msg["ceiling_pct"] == 22.5
    stored = await database_sync_to_async(lambda: BiofeedbackSession.objects.get(pk=session.pk).ceiling_pct)()
    assert stored == 22.5
    audited = await database_sync_to_async(
        lambda: list(AuditEvent.objects.filter(action="biofeedback.thresholds").values_list("extra", flat=True))
    )()
    assert audited == [{"ceiling_pct": 22.5}]
    await first.disconnect()
    await second.disconnect()


async def test_after_an_agent_restart_the_session_follows_the_new_recording_and_reports_both(
    device, start_session, therapist_a
):
    from sessions.biofeedback import services
    from sessions.models import BiofeedbackSession, SessionReport

    session = await database_sync_to_async(start_session)(device.chair)
    watcher = await _watch(session.pk, therapist_a)
    chair = await connect(device.token)
    first, second = uuid.uuid4(), uuid.uuid4()
    await open_recording(chair, first)
    for seq in range(40):
        await chair.send_to(bytes_data=frame(first, seq, samples=noise(seq, (2000, 4000))))
    await ack_through(chair, first, 39)
    frames = await _frames(watcher, 39)
    assert {f["recording"] for f in frames} == {str(first)}

    def trial_on_current(number_hint: str):
        current = BiofeedbackSession.objects.get(pk=session.pk)
        made = services.biofeedback_trial_start(
            actor=therapist_a, session=current, prompt=f"Smile {number_hint}", duration_s=2, sample_start=0
        )
        services.biofeedback_trial_stop(actor=therapist_a, trial=made, sample_stop=4000)
        return made

    one = await database_sync_to_async(trial_on_current)("before")
    # The agent restarts: a new recording at the same chair. Within the session cache's second the
    # live view follows it.
    await chair.send_to(
        text_data=json.dumps(
            {"type": "end", "recording": str(first), "windows": 40, "samples": 4000, "reason": "interrupted"}
        )
    )
    await asyncio.sleep(1.2)
    await open_recording(chair, second)
    for seq in range(40):
        await chair.send_to(bytes_data=frame(second, seq, samples=noise(500 + seq, (4000, 4000))))
        await asyncio.sleep(0.03)
    await ack_through(chair, second, 39)
    frames = await _frames(watcher, 39)
    assert frames[-1]["recording"] == str(second)
    two = await database_sync_to_async(trial_on_current)("after")
    assert (one.recording_id, two.recording_id) == (first, second)
    await database_sync_to_async(services.biofeedback_session_end)(actor=therapist_a, session=session, sample_to=4000)
    report = await database_sync_to_async(lambda: SessionReport.objects.get(session=session))()
    assert report.status == "done" and report.summary["recordings"] == 2
    by_number = {t["number"]: t for t in report.trials}
    assert by_number[1]["recording"] == str(first) and by_number[2]["recording"] == str(second)
    assert 0.45 < by_number[1]["summary"]["symmetry_index"] < 0.55  # left at half the right
    assert 0.9 < by_number[2]["summary"]["symmetry_index"] < 1.1  # both alike after the restart
    await watcher.disconnect()
    await chair.disconnect()
