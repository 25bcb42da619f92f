"""The agent's network link goes dead for 20 s (packets vanish; nothing is closed cleanly)."""

from __future__ import annotations

import signal
import time

import pytest

from tests.edge_agent.agents import assert_stored_equals_generated, write_config
from tests.edge_agent.processes import start_agent, stored_windows, wait_stored_at_least
from tests.edge_agent.proxy import BlackholeProxy
from tests.harness.servers import stop_process

pytestmark = pytest.mark.slow


def test_nothing_is_lost_or_doubled_when_the_link_is_cut_for_20_seconds(asgi_server, device, tmp_path, process_log_dir):
    with BlackholeProxy(asgi_server.port) as proxy:
        config = write_config(tmp_path, url=f"ws://127.0.0.1:{proxy.port}", token=device.token)
        agent = start_agent(config, process_log_dir, "link-cut")
        try:
            wait_stored_at_least(60)
            proxy.cut()
            time.sleep(2)
            during_cut = stored_windows()
            time.sleep(18)
            # Nothing got through while the link was dead; the agent kept recording.
            assert stored_windows() == during_cut
            connections_before = proxy.connections
            proxy.restore()
            # 20 s of recording (400 windows) waited in the outbox; all of it arrives.
            wait_stored_at_least(during_cut + 400 + 40, timeout=60)
            assert proxy.connections > connections_before
            stop_process(agent, signal.SIGTERM, timeout=30)
            assert agent.returncode == 0
        finally:
            stop_process(agent, signal.SIGKILL)
    assert_stored_equals_generated(config)
