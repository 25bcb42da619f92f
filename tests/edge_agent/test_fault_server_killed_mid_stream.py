"""The ASGI server is killed (SIGKILL) mid-stream and started again on the same port."""

from __future__ import annotations

import signal
import time

import pytest

from tests.edge_agent.agents import assert_stored_equals_generated, write_config
from tests.edge_agent.processes import start_agent, wait_stored_at_least
from tests.harness.servers import free_port, start_asgi_server, stop_process

pytestmark = pytest.mark.slow


def test_nothing_is_lost_or_doubled_when_the_server_is_killed_and_restarted(device, tmp_path, process_log_dir):
    port = free_port()
    server = start_asgi_server(process_log_dir, port=port)
    config = write_config(tmp_path, url=f"ws://127.0.0.1:{port}", token=device.token)
    agent = start_agent(config, process_log_dir, "server-killed")
    try:
        before = wait_stored_at_least(60)
        server.stop(sig=signal.SIGKILL)
        time.sleep(3)  # the agent keeps recording into its outbox meanwhile
        server = start_asgi_server(process_log_dir, port=port)
        wait_stored_at_least(before + 100, timeout=60)
        stop_process(agent, signal.SIGTERM, timeout=30)
        assert agent.returncode == 0
    finally:
        stop_process(agent, signal.SIGKILL)
        server.stop()
    totals = assert_stored_equals_generated(config)
    assert totals["windows"] >= before + 100
