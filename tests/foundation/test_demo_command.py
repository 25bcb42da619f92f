"""The demo command brings the platform up on the embedded default and serves the login page."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request

import pytest

from tests.harness.servers import ROOT, free_port

pytestmark = pytest.mark.slow


def test_demo_command_serves_the_login_page(tmp_path, test_output_dir):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(PORT=str(port), RETRAIN_VAR_DIR=str(tmp_path / "var"), DATABASE_URL="postgres://ignored/by-demo")
    log_path = test_output_dir / "demo-command.log"
    started = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            ["bash", "scripts/demo"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        body = ""
        deadline = started + 180
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2) as response:  # noqa: S310
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        elapsed = time.monotonic() - started
        (test_output_dir / "demo-command-seconds.txt").write_text(f"{elapsed:.1f}\n")
        assert "Sign in" in body, log_path.read_text()[-3000:]
        # The embedded default: an SQLite file in the demo's var directory, whatever DATABASE_URL said.
        assert (tmp_path / "var" / "retrain.sqlite3").exists()
        # The demo data follows the server; the sign-ins are printed once it is in.
        while time.monotonic() < started + 300 and "Retrain is running" not in log_path.read_text():
            time.sleep(1)
        output = log_path.read_text()
        assert "admin@lakeside.demo" in output and "retrain-demo-2026" in output, output[-3000:]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
