"""Agent processes and database polling for the fault tests."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.harness.servers import ROOT, child_env


def start_agent(config: Path, log_dir: Path, name: str) -> subprocess.Popen:
    log = open(log_dir / f"agent-{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen(
        [sys.executable, "-m", "edge_agent", "--log-level", "info", "run", "--config", str(config)],
        cwd=ROOT,
        env=child_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stored_windows() -> int:
    from django.db import connection

    from sessions.models import RecordingWindow

    connection.close()  # a fresh snapshot
    return RecordingWindow.objects.count()


def wait_for(predicate, timeout: float, what: str, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def wait_stored_at_least(count: int, timeout: float = 60) -> int:
    return wait_for(lambda: (n := stored_windows()) >= count and n, timeout, f"{count} stored windows")
