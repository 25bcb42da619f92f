"""Helpers: agent configurations for tests, and a check that what the server stored is what the
simulated driver generated."""

from __future__ import annotations

import textwrap
import uuid
from pathlib import Path

import numpy as np


def write_config(
    tmp: Path, *, url: str, token: str, seed: int = 7, extra_sim: str = "", server_extra: str = ""
) -> Path:
    token_file = tmp / "device.token"
    token_file.write_text(token)
    config = tmp / "agent.toml"
    config.write_text(
        textwrap.dedent(
            f"""
            [server]
            url = "{url}"
            token_file = "{token_file}"
            backoff_initial_s = 0.2
            backoff_max_s = 2.0
            ack_timeout_s = 8
            ping_interval_s = 2
            {server_extra}

            [device]
            driver = "simulated"
            sampling_rate = 2000
            window_ms = 50

            [[channels]]
            label = "Zygomaticus L"
            muscle = "zygomaticus_major"
            side = "left"

            [[channels]]
            label = "Orbicularis oculi L"
            muscle = "orbicularis_oculi"
            side = "left"

            [outbox]
            path = "{tmp / "outbox.sqlite3"}"
            synchronous = "normal"

            [driver.simulated]
            seed = {seed}
            {extra_sim}
            """
        )
    )
    return config


def assert_stored_equals_generated(config_path: Path) -> dict:
    """Every recording the agent's ledger lists is complete on the server, window for window and
    sample for sample, with no duplicates and no gaps. Returns totals."""
    from django.db.models import Count

    from edge_agent.config import load
    from edge_agent.drivers.simulated import SimulatedDriver
    from edge_agent.outbox import Outbox
    from sessions.ingest.selectors import recording_gaps, recording_samples
    from sessions.models import Recording, RecordingWindow

    config = load(config_path)
    outbox = Outbox(config.outbox.path, max_bytes=config.outbox.max_bytes)
    ledger = outbox.recordings()
    pending = outbox.count()
    outbox.close()
    assert pending == 0, f"{pending} windows were never acknowledged"
    driver = SimulatedDriver(config)
    totals = {"recordings": 0, "windows": 0, "samples": 0}
    for entry in ledger:
        rec = Recording.objects.get(id=entry.id)
        assert rec.windows_expected == entry.next_seq, (rec.windows_expected, entry.next_seq)
        assert rec.samples_expected == entry.next_sample
        assert rec.windows_stored == entry.next_seq
        stored = RecordingWindow.objects.filter(recording=rec)
        assert stored.count() == entry.next_seq
        assert not stored.values("seq").annotate(c=Count("id")).filter(c__gt=1).exists()
        assert recording_gaps(rec) == []
        block = recording_samples(rec)
        expected = driver.generate(uuid.UUID(entry.id), 0, entry.next_sample).astype(np.float32) * np.float32(
            driver.scale_uv
        )
        assert block.samples.shape == expected.shape
        assert np.array_equal(block.samples, expected), "stored samples differ from the generated ones"
        totals["recordings"] += 1
        totals["windows"] += entry.next_seq
        totals["samples"] += entry.next_sample
    return totals
