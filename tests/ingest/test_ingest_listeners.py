from __future__ import annotations

import asyncio
import uuid

import numpy as np

from tests.ingest import listeners_probe
from tests.ingest.helpers import SCALE, ack_through, connect, frame, open_recording, samples_for


async def test_listeners_hear_each_committed_window_once_and_a_failing_one_breaks_nothing(device, settings):
    settings.INGEST_LISTENERS = ["tests.ingest.listeners_probe.explode", "tests.ingest.listeners_probe.record"]
    listeners_probe.heard.clear()
    rid = uuid.uuid4()
    ws = await connect(device.token)
    await open_recording(ws, rid)
    for seq in range(6):
        await ws.send_to(bytes_data=frame(rid, seq, lead_off=0b01 if seq == 2 else 0))
    await ack_through(ws, rid, 5)
    for seq in range(6):  # replays are acknowledged but not announced again
        await ws.send_to(bytes_data=frame(rid, seq))
    await ack_through(ws, rid, 5)
    await asyncio.sleep(0.2)
    await ws.disconnect()
    windows = [w for rec, batch in listeners_probe.heard for w in batch]
    recording = listeners_probe.heard[0][0]
    assert recording.id == rid and recording.chair_id == device.chair_id and recording.clinic_id == device.clinic_id
    assert recording.sampling_rate == 2000 and recording.channel_labels == ["Zygomaticus L", "Zygomaticus R"]
    assert abs(recording.scale_uv - SCALE) < 1e-8
    assert [w.seq for w in windows] == list(range(6))
    assert windows[2].lead_off == 0b01 and windows[3].sample_start == 300
    assert windows[0].samples.dtype == np.float32 and windows[0].samples.shape == (2, 100)
    assert np.allclose(windows[4].samples, samples_for(4) * np.float32(SCALE))
