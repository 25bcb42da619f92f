from __future__ import annotations

import uuid

import numpy as np
from channels.db import database_sync_to_async

from clinic.models import EdgeDevice
from sessions.models import Recording, RecordingWindow
from tests.ingest.helpers import ack_through, connect, frame, open_recording, samples_for


async def test_windows_are_stored_once_and_acked_after_commit(device):
    rid = uuid.uuid4()
    ws = await connect(device.token)
    opened = await open_recording(ws, rid)
    assert opened["acked_through"] == -1
    for seq in range(10):
        await ws.send_to(bytes_data=frame(rid, seq))
    await ack_through(ws, rid, 9)
    # A replay of windows already stored is acknowledged and not stored again.
    for seq in range(5, 10):
        await ws.send_to(bytes_data=frame(rid, seq))
    await ack_through(ws, rid, 9)
    await ws.disconnect()

    @database_sync_to_async
    def check():
        rec = Recording.objects.get(id=rid)
        assert rec.windows_stored == 10 and rec.acked_through == 9 and rec.samples_stored == 1000
        assert RecordingWindow.objects.filter(recording=rec).count() == 10
        from sessions.ingest.selectors import recording_samples

        block = recording_samples(rec)
        expected = np.concatenate([samples_for(s) for s in range(10)], axis=1).astype(np.float32) * np.float32(0.05)
        assert np.array_equal(block.samples, expected)
        dev = EdgeDevice.objects.get(pk=device.pk)
        assert dev.windows_received == 10 and dev.connections == 1 and dev.bytes_received > 0

    await check()


async def test_with_compression_on_payloads_are_zlib_packed_and_read_back_identically(device, settings):
    settings.INGEST_COMPRESSION_LEVEL = 6
    rid = uuid.uuid4()
    ws = await connect(device.token)
    await open_recording(ws, rid)
    quiet = np.zeros((2, 100), dtype=np.int16)  # a flat window compresses well
    await ws.send_to(bytes_data=frame(rid, 0, samples=quiet))
    await ws.send_to(bytes_data=frame(rid, 1))
    await ack_through(ws, rid, 1)
    await ws.disconnect()

    @database_sync_to_async
    def check():
        from sessions.ingest.selectors import recording_samples

        rec = Recording.objects.get(id=rid)
        encodings = dict(RecordingWindow.objects.filter(recording=rec).values_list("seq", "encoding"))
        assert encodings[0] == RecordingWindow.Encoding.ZLIB
        block = recording_samples(rec)
        assert not block.samples[:, :100].any()
        assert np.array_equal(block.samples[:, 100:], samples_for(1).astype(np.float32) * np.float32(0.05))

    await check()
