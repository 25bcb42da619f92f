from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async

from edge_agent.agent import Agent
from edge_agent.config import load
from tests.edge_agent.agents import assert_stored_equals_generated, write_config


async def test_an_agent_streams_a_simulated_session_that_is_stored_exactly(asgi_server, device, tmp_path):
    config_path = write_config(
        tmp_path, url=asgi_server.ws_url, token=device.token, extra_sim="realtime = false\nduration_s = 6"
    )
    agent = Agent(load(config_path))
    stop = asyncio.Event()
    task = asyncio.create_task(agent.run(stop))
    # The driver stops by itself after 6 s of signal; then the agent drains and we stop it.
    for _ in range(200):
        await asyncio.sleep(0.1)
        if agent.windows_written >= 120 and agent.uplink.drained():
            break
    stop.set()
    await asyncio.wait_for(task, 30)
    totals = await database_sync_to_async(assert_stored_equals_generated)(config_path)
    assert totals["windows"] == 120 and totals["samples"] == 12000
