"""The agent process is killed (SIGKILL, as a pulled plug would) and started again."""

from __future__ import annotations

import signal
import time

import pytest

from edge_agent.config import load
from edge_agent.outbox import Outbox
from tests.edge_agent.agents import assert_stored_equals_generated, write_config
from tests.edge_agent.processes import start_agent, stored_windows, wait_stored_at_least
from tests.harness.servers import stop_process

pytestmark = pytest.mark.slow


def test_nothing_is_lost_or_doubled_when_the_agent_is_killed_and_restarted(
    asgi_server, device, tmp_path, process_log_dir
):
    config = write_config(tmp_path, url=asgi_server.ws_url, token=device.token)
    first = start_agent(config, process_log_dir, "killed-1")
    try:
        wait_stored_at_least(60)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        stop_process(first, signal.SIGKILL)
    # What the killed agent had written is on its disk, partly not yet acknowledged.
    cfg = load(config)
    outbox = Outbox(cfg.outbox.path, max_bytes=cfg.outbox.max_bytes)
    [killed] = outbox.recordings()
    assert not killed.ended and killed.next_seq >= 60
    outbox.close()
    time.sleep(1)
    second = start_agent(config, process_log_dir, "killed-2")
    try:
        wait_stored_at_least(killed.next_seq + 60)
        stop_process(second, signal.SIGTERM, timeout=30)
        assert second.returncode == 0
    finally:
        stop_process(second, signal.SIGKILL)
    outbox = Outbox(cfg.outbox.path, max_bytes=cfg.outbox.max_bytes)
    ledger = {r.id: r for r in outbox.recordings()}
    outbox.close()
    assert ledger[killed.id].end_reason == "interrupted" and ledger[killed.id].next_seq == killed.next_seq
    assert len(ledger) == 2
    totals = assert_stored_equals_generated(config)
    assert totals["windows"] == stored_windows()
