"""Real processes for integration tests: an ASGI server (uvicorn) and a Celery worker.

Both run against the pytest-django test database and the test Redis, so tests that use them take
``transactional_db`` (data must be committed to be seen by another process).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    if s["ENGINE"].endswith("postgresql"):
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    raise RuntimeError("process-level tests need PostgreSQL (set DATABASE_URL)")


def child_env(**overrides: str) -> dict[str, str]:
    """Environment for a child process: the test database, Redis, no eager Celery unless asked."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=test_database_url(),
        DJANGO_SETTINGS_MODULE="clinic.settings",
        DJANGO_ENV="test",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(overrides)
    return env


def wait_http(
    url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None, headers: dict | None = None
) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback only
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 - loopback only
                if response.status < 500:
                    return
        except Exception as exc:  # noqa: BLE001
            last = exc
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout}s: {last}")


@dataclass
class ServerProcess:
    proc: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start_asgi_server(
    log_dir: Path,
    *,
    port: int | None = None,
    env: dict | None = None,
    workers: int = 1,
    health_headers: dict | None = None,
) -> ServerProcess:
    port = port or free_port()
    log_path = log_dir / f"uvicorn-{port}.log"
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "clinic.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--workers",
        str(workers),
    ]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env or child_env(CELERY_EAGER="1"),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = ServerProcess(proc=proc, port=port, log_path=log_path)
    try:
        wait_http(f"{server.url}/healthz", proc=proc, headers=health_headers)
    except Exception:
        server.stop()
        raise RuntimeError(f"ASGI server did not start:\n{server.log()[-4000:]}") from None
    return server


def start_celery_worker(
    log_dir: Path,
    *,
    name: str = "w1",
    queues: str = "",
    env: dict | None = None,
    concurrency: int = 1,
    beat: bool = False,
) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "clinic",
        "worker",
        "-n",
        f"{name}@%h",
        "-c",
        str(concurrency),
        "--pool",
        "prefork",
        "-l",
        "INFO",
        "--without-gossip",
        "--without-mingle",
    ]
    if queues:
        cmd += ["-Q", queues]
    if beat:
        cmd += ["-B", "-s", str(log_dir / f"beat-{name}.db")]
    log = open(log_dir / f"celery-{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env or child_env(CELERY_EAGER="0"),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_process(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


@pytest.fixture(scope="session")
def test_output_dir() -> Path:
    path = Path(os.environ.get("TEST_OUTPUT_DIR", ROOT / "test-output"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def process_log_dir(test_output_dir) -> Path:
    path = test_output_dir / "process-logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker, process_log_dir) -> Iterator[ServerProcess]:
    """One uvicorn process for the session, serving HTTP and websockets from the test database."""
    with django_db_blocker.unblock():
        server = start_asgi_server(process_log_dir)
    yield server
    server.stop()


@pytest.fixture
def live_url(asgi_server, transactional_db) -> str:
    return asgi_server.url
