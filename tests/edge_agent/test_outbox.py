"""The device outbox: durable until acknowledged, bounded, and honest about what it drops."""

from __future__ import annotations

import logging
import random

from edge_agent.outbox import Outbox
from edge_agent.uplink import backoff_delay


def _spec(rec: str) -> dict:
    return {"id": rec, "sampling_rate": 2000}


def test_windows_stay_until_acknowledged_and_survive_reopening(tmp_path):
    box = Outbox(tmp_path / "o.sqlite3", max_bytes=10**6)
    box.begin_recording(_spec("r1"))
    for seq in range(5):
        box.append("r1", seq, b"x" * 100, end_time_us=seq, next_sample=(seq + 1) * 100)
    box.ack("r1", 2)
    box.close()
    box = Outbox(tmp_path / "o.sqlite3", max_bytes=10**6)
    assert [w.seq for w in box.pending()] == [3, 4] and box.bytes == 200
    [rec] = box.recordings()
    assert rec.next_seq == 5 and rec.next_sample == 500 and rec.acked_through == 2


def test_ids_never_repeat_after_the_outbox_empties(tmp_path):
    box = Outbox(tmp_path / "o.sqlite3", max_bytes=10**6)
    box.begin_recording(_spec("r1"))
    box.append("r1", 0, b"a", end_time_us=0, next_sample=1)
    first = box.pending()[0].row_id
    box.ack("r1", 0)
    box.append("r1", 1, b"b", end_time_us=0, next_sample=2)
    assert [w.seq for w in box.pending(after_id=first)] == [1]


def test_at_the_bound_the_oldest_windows_are_dropped_and_declared_as_a_gap(tmp_path, caplog):
    box = Outbox(tmp_path / "o.sqlite3", max_bytes=10_000, warn_fraction=0.8)
    box.begin_recording(_spec("r1"))
    with caplog.at_level(logging.WARNING, logger="edge_agent.outbox"):
        for seq in range(120):
            box.append("r1", seq, b"z" * 100, end_time_us=seq, next_sample=(seq + 1) * 100)
    assert any("80%" in r.getMessage() for r in caplog.records)
    assert any("dropped" in r.getMessage() for r in caplog.records)
    assert box.bytes <= 10_000
    seqs = [w.seq for w in box.pending(limit=1000)]
    assert seqs == list(range(seqs[0], 120))  # the newest are kept, contiguous
    gaps = box.gaps("r1")
    assert gaps and gaps[0][1] == 0 and gaps[-1][2] == seqs[0] - 1
    assert all(reason == "outbox_full" for *_, reason in gaps)
    assert box.dropped == seqs[0]
    # Once the server acknowledges past the gap, the notice is gone too.
    box.ack("r1", 119)
    assert box.gaps() == [] and box.count() == 0


def test_backoff_grows_exponentially_with_full_jitter_up_to_the_cap():
    rng = random.Random(1)
    for attempt in range(12):
        ceiling = min(30.0, 0.5 * 2**attempt)
        delays = [backoff_delay(attempt, 0.5, 30.0, rng) for _ in range(300)]
        assert all(0.05 <= d <= ceiling for d in delays)
        assert max(delays) > 0.8 * ceiling  # the jitter spreads over the whole range
