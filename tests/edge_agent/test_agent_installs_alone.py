"""``pip install ./edge_agent`` into a fresh virtualenv gives a working agent without Django."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.edge_agent.agents import write_config
from tests.edge_agent.processes import stored_windows, wait_for
from tests.harness.servers import ROOT, stop_process

pytestmark = pytest.mark.slow


def test_the_agent_installs_into_a_fresh_venv_and_streams_without_django(asgi_server, device, tmp_path):
    source = tmp_path / "src" / "edge_agent"
    shutil.copytree(ROOT / "edge_agent", source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", str(source)], check=True, timeout=600, cwd=tmp_path)
    probe = (
        "import importlib.util, edge_agent.agent, edge_agent.drivers.serial_mcu; "
        "print(importlib.util.find_spec('django'))"
    )
    out = subprocess.run([python, "-c", probe], check=True, capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout.strip() == "None"  # Django is not even installed

    config = write_config(
        tmp_path, url=asgi_server.ws_url, token=device.token, extra_sim="realtime = false\nduration_s = 3"
    )
    check = subprocess.run(
        [python, "-m", "edge_agent", "check", "--config", str(config)], capture_output=True, text=True, cwd=tmp_path
    )
    assert check.returncode == 0 and "simulated" in check.stdout
    agent = subprocess.Popen(
        [python, "-m", "edge_agent", "run", "--config", str(config)], cwd=tmp_path, start_new_session=True
    )
    try:
        wait_for(lambda: stored_windows() >= 60, 60, "60 windows from the installed agent")

        def drained():
            status = subprocess.run(
                [python, "-m", "edge_agent", "status", "--config", str(config)],
                capture_output=True,
                text=True,
                cwd=tmp_path,
            )
            report = json.loads(status.stdout)
            return report["pending_windows"] == 0

        wait_for(drained, 30, "the outbox to empty")
        time.sleep(0.5)
        stop_process(agent, signal.SIGTERM, timeout=30)
        assert agent.returncode == 0
    finally:
        stop_process(agent, signal.SIGKILL)
    assert stored_windows() == 60
