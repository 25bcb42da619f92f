"""Selectors give NaN exactly where data is missing, and name every gap."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import numpy as np
from channels.db import database_sync_to_async

from edge_agent import codec
from sessions.ingest import selectors
from sessions.models import Recording
from tests.ingest.helpers import SCALE, ack_through, connect, frame, open_recording, samples_for, until


async def test_missing_windows_declared_losses_and_device_losses_show_as_nan_and_gaps(device):
    rid = uuid.uuid4()
    ws = await connect(device.token)
    await open_recording(ws, rid)
    # Windows 0-9; 3 never arrives; 5-6 the device dropped (outbox full); 8 follows 40 lost samples.
    for seq in (0, 1, 2, 4, 7, 9):
        await ws.send_to(bytes_data=frame(rid, seq))
    await ws.send_to(
        bytes_data=codec.encode_window(
            recording_id=rid,
            seq=8,
            sample_start=840,
            device_time_us=1_700_000_000_000_000 + 420_000,
            sampling_rate=2000,
            samples=samples_for(8)[:, :60],
            dtype=codec.DTYPE_INT16,
            scale_uv=SCALE,
            flags=codec.FLAG_DEVICE_LOSS,
        )
    )
    await ws.send_to(
        text_data=json.dumps(
            {"type": "gap", "recording": str(rid), "from_seq": 5, "to_seq": 6, "reason": "outbox_full"}
        )
    )
    await ack_through(ws, rid, 2)
    await ws.send_to(
        text_data=json.dumps(
            {"type": "end", "recording": str(rid), "windows": 10, "samples": 1000, "reason": "stopped"}
        )
    )
    ended = await until(ws, "ended")
    assert ended["complete"] is False and ended["through"] == 2  # window 3 is still missing
    await ws.disconnect()

    @database_sync_to_async
    def read():
        rec = Recording.objects.get(id=rid)
        return (
            rec,
            selectors.recording_samples(rec),
            selectors.recording_gaps(rec),
            selectors.recording_window_times(rec),
        )

    rec, block, gaps, times = await read()
    assert rec.windows_expected == 10 and not rec.is_complete
    assert block.samples.shape == (2, 1000) and block.first_sample == 0
    nan = np.isnan(block.samples[0])
    expected_nan = np.zeros(1000, dtype=bool)
    expected_nan[300:400] = expected_nan[500:700] = expected_nan[800:840] = True
    assert np.array_equal(nan, expected_nan)
    assert np.array_equal(block.samples[:, 400:500], samples_for(4).astype(np.float32) * np.float32(SCALE))
    assert [(g.kind, g.from_seq, g.to_seq, g.from_sample, g.to_sample) for g in gaps] == [
        ("missing", 3, 3, 300, 400),
        ("outbox_full", 5, 6, 500, 700),
        ("device_loss", None, None, 800, 840),
    ]
    assert times.seq.tolist() == [0, 1, 2, 4, 7, 8, 9] and times.sample_start[5] == 840

    @database_sync_to_async
    def ranges():
        by_seq = selectors.recording_samples(rec, seq_from=7, seq_to=8)
        by_sample = selectors.recording_samples(rec, sample_from=350, sample_to=450)
        by_time = selectors.recording_samples(
            rec, time_from=rec.started_at + timedelta(seconds=0.2), time_to=rec.started_at + timedelta(seconds=0.225)
        )
        return by_seq, by_sample, by_time

    by_seq, by_sample, by_time = await ranges()
    assert (
        by_seq.first_sample == 700 and by_seq.samples.shape == (2, 200) and np.isnan(by_seq.samples[0, 100:140]).all()
    )
    assert np.isnan(by_sample.samples[:, :50]).all() and not np.isnan(by_sample.samples[:, 50:]).any()
    assert by_time.first_sample == 400 and by_time.samples.shape == (2, 50)
