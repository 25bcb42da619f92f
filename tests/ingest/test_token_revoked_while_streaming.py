from __future__ import annotations

import uuid

from channels.db import database_sync_to_async

from clinic import services
from tests.ingest.helpers import connect, open_recording, until


async def test_revoking_or_rotating_the_token_ends_a_live_stream(device, admin_a, settings):
    settings.INGEST_REVALIDATE_SECONDS = 1
    ws = await connect(device.token)
    await open_recording(ws, uuid.uuid4())
    await database_sync_to_async(services.device_rotate)(actor=admin_a, device=device)
    error = await until(ws, "error", timeout=10)
    assert error["code"] == "revoked" and error["fatal"] is True
    closed = await ws.receive_output(timeout=5)
    assert closed["type"] == "websocket.close" and closed["code"] == 4401
    await ws.disconnect()
