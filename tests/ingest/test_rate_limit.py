from __future__ import annotations

import uuid

from channels.db import database_sync_to_async

from clinic.models import AuditEvent
from sessions.models import RecordingWindow
from tests.ingest.helpers import ack_through, connect, frame, open_recording


async def test_a_device_over_its_rate_is_slowed_down_not_dropped(device, settings):
    settings.INGEST_RATE_WINDOWS_PER_SECOND = 40
    settings.INGEST_RATE_WINDOWS_BURST = 5
    rid = uuid.uuid4()
    ws = await connect(device.token)
    await open_recording(ws, rid)
    for seq in range(30):
        await ws.send_to(bytes_data=frame(rid, seq))
    await ack_through(ws, rid, 29, timeout=20)
    await ws.disconnect()
    assert await database_sync_to_async(RecordingWindow.objects.filter(recording_id=rid).count)() == 30
    left = await database_sync_to_async(AuditEvent.objects.get)(action="device.disconnect")
    # 25 windows beyond the burst at 40/s: the consumer paused reading for about 0.6 s in all.
    assert left.extra["throttled_s"] > 0.3 and left.extra["windows"] == 30
