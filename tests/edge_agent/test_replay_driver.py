"""The replay driver streams a recorded file; the server stores exactly the file's samples."""

from __future__ import annotations

import asyncio

import numpy as np
from channels.db import database_sync_to_async

from edge_agent.agent import Agent
from edge_agent.config import parse
from edge_agent.drivers.replay import load_samples


def test_csv_with_header_time_column_units_and_empty_cells(tmp_path):
    path = tmp_path / "rec.csv"
    path.write_text("Time,Zygomaticus,Corrugator\n0.0,0.010,-0.020\n0.0005,,0.5\n0.001,0.002,0.003\n")
    samples, fs = load_samples(path, units="mV")
    assert fs is None and samples.shape == (2, 3)
    assert np.allclose(samples[0, [0, 2]], [10.0, 2.0]) and np.isnan(samples[0, 1])
    assert np.allclose(samples[1], [-20.0, 500.0, 3.0])


async def test_a_replayed_npz_is_stored_sample_for_sample_with_its_nan_gap(asgi_server, device, tmp_path):
    rng = np.random.default_rng(3)
    recorded = (rng.standard_normal((2, 3000)) * 40).astype(np.float32)
    recorded[:, 1200:1260] = np.nan  # electrode noise removed by whoever recorded it
    np.savez(tmp_path / "session.npz", samples=recorded, fs=2000)
    (tmp_path / "token").write_text(device.token)
    config = parse(
        {
            "server": {"url": asgi_server.ws_url, "token_file": str(tmp_path / "token")},
            "device": {"driver": "replay", "window_ms": 50},
            "outbox": {"path": str(tmp_path / "outbox.sqlite3"), "synchronous": "normal"},
            "driver": {"replay": {"path": str(tmp_path / "session.npz"), "speed": 20}},
        }
    )
    agent = Agent(config)
    stop = asyncio.Event()
    task = asyncio.create_task(agent.run(stop))
    for _ in range(200):
        await asyncio.sleep(0.1)
        if agent.windows_written >= 30 and agent.uplink.drained():
            break
    stop.set()
    await asyncio.wait_for(task, 30)

    @database_sync_to_async
    def stored():
        from sessions.ingest.selectors import recording_samples
        from sessions.models import Recording

        rec = Recording.objects.get(id=agent.recording_id)
        return rec, recording_samples(rec)

    rec, block = await stored()
    assert rec.sampling_rate_hz == 2000 and rec.sample_dtype == "float32" and rec.windows_expected == 30
    assert np.array_equal(block.samples, recorded, equal_nan=True)
