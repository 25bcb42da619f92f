"""Private services for fault tests: a PostgreSQL or Redis instance of the test's own that it may
stop, crash and restart, and Celery workers it may kill.

The shared PostgreSQL (5432) and Redis (6379) serve other engineers and CI and are never touched:
everything here runs on a free port, in a temporary directory, and is stopped by its own handle.

    with PrivatePostgres.started() as pg:        # initdb + start, stopped and removed at the end
        url = pg.create_database("retrain_fault")
        migrate(url)                              # the schema, through manage.py migrate
        pg.restart(mode="immediate")              # a crash (no shutdown checkpoint) and recovery

    with PrivateRedis.started() as redis:         # redis-server without persistence
        worker = CeleryWorker.start(log_dir, env=worker_env(broker_url=redis.url(), ...))
        worker.kill()                             # SIGKILL to the whole worker (main + children)

Fixtures ``private_postgres`` and ``private_redis`` wrap them for one test.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path

import pytest

from tests.harness.servers import ROOT, child_env, free_port, start_celery_worker, stop_process


def wait_until(predicate: Callable[[], object], *, timeout: float, what: str, interval: float = 0.25):
    """Poll ``predicate`` until it returns something truthy (returned); fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


# --- PostgreSQL --------------------------------------------------------------------------------------------
def _pg_bin(name: str) -> str:
    candidates = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    found = candidates[0] if candidates else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found (install the PostgreSQL server package)")
    return found


def _as_postgres_user(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of one test: trust auth on 127.0.0.1:<port>, data in a temp dir."""

    data_dir: Path
    port: int
    log_path: Path
    keep_log_in: Path | None = None
    restarts: int = 0

    @classmethod
    def create(cls, log_dir: Path | None = None) -> PrivatePostgres:
        base = Path(tempfile.mkdtemp(prefix="retrain-pg-"))
        data_dir = base / "data"
        if os.geteuid() == 0:
            shutil.chown(base, "postgres", "postgres")
        port = free_port()
        log_path = base / "postgres.log"
        subprocess.run(
            _as_postgres_user(
                [_pg_bin("initdb"), "-D", str(data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        pg = cls(data_dir=data_dir, port=port, log_path=log_path, keep_log_in=log_dir)
        pg.start()
        return pg

    @classmethod
    @contextlib.contextmanager
    def started(cls, log_dir: Path | None = None) -> Iterator[PrivatePostgres]:
        pg = cls.create(log_dir)
        try:
            yield pg
        finally:
            pg.destroy()

    def _ctl(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            _as_postgres_user([_pg_bin("pg_ctl"), "-D", str(self.data_dir), *args]),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data_dir} -c max_connections=60"
        result = self._ctl("-l", str(self.log_path), "-o", options, "-w", "-t", "60", "start")
        if result.returncode != 0:
            raise RuntimeError(f"private PostgreSQL did not start: {result.stderr}\n{self.log()[-3000:]}")

    def stop(self, mode: str = "fast") -> None:
        """``fast``: a clean shutdown that cuts the clients; ``immediate``: like a crash (recovery on start)."""
        self._ctl("-m", mode, "-w", "-t", "60", "stop")

    def restart(self, *, mode: str = "fast", down_for: float = 0.0) -> None:
        self.stop(mode)
        time.sleep(down_for)
        self.start()
        self.restarts += 1

    @property
    def running(self) -> bool:
        return self._ctl("status").returncode == 0

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def sql(self, statement: str, database: str = "postgres") -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=10) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        if self.keep_log_in is not None and self.log_path.exists():
            shutil.copy(self.log_path, self.keep_log_in / f"postgres-{self.port}.log")
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def migrate(database_url: str, *, log_dir: Path | None = None, timeout: float = 240) -> None:
    """Give an empty database the project's schema (``manage.py migrate`` in a child process)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=child_env(DATABASE_URL=database_url, DB_POOL="0"),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"migrate failed on {database_url}:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")


def call_in_django(target: str, *, database_url: str, timeout: float = 120, env: dict | None = None, **kwargs):
    """Run ``module:function(**kwargs)`` in a child process whose Django uses ``database_url``; return
    its JSON-serialisable result. Lets a test work in a database other than its own test database."""
    module, _, function = target.partition(":")
    code = (
        "import json, sys, django\n"
        "django.setup()\n"
        "from importlib import import_module\n"
        f"result = getattr(import_module({module!r}), {function!r})(**json.loads(sys.argv[1]))\n"
        "print('@@RESULT@@' + json.dumps(result))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, json.dumps(kwargs)],
        cwd=ROOT,
        env=child_env(DATABASE_URL=database_url, DB_POOL="0", **(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    marker = [line for line in result.stdout.splitlines() if line.startswith("@@RESULT@@")]
    if result.returncode != 0 or not marker:
        raise AssertionError(f"{target} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
    return json.loads(marker[-1][len("@@RESULT@@") :])


# --- Redis ----------------------------------------------------------------------------------------------------
@dataclass
class PrivateRedis:
    """A redis-server of one test on a free port. Without persistence a restart empties it; with
    ``appendonly`` (as docker-compose.yml runs it) it keeps an append-only file in a temp dir and
    a restart loads it back."""

    port: int
    log_path: Path
    appendonly: bool = False
    data_dir: Path | None = None
    proc: subprocess.Popen | None = None
    restarts: int = 0

    @classmethod
    def create(cls, log_dir: Path | None = None, *, appendonly: bool = False) -> PrivateRedis:
        port = free_port()
        log_dir = log_dir or Path(tempfile.mkdtemp(prefix="retrain-redis-"))
        data_dir = Path(tempfile.mkdtemp(prefix="retrain-redis-data-")) if appendonly else None
        redis = cls(port=port, log_path=log_dir / f"redis-{port}.log", appendonly=appendonly, data_dir=data_dir)
        redis.start()
        return redis

    @classmethod
    @contextlib.contextmanager
    def started(cls, log_dir: Path | None = None, *, appendonly: bool = False) -> Iterator[PrivateRedis]:
        redis = cls.create(log_dir, appendonly=appendonly)
        try:
            yield redis
        finally:
            redis.stop(signal.SIGKILL)
            if redis.data_dir is not None:
                shutil.rmtree(redis.data_dir, ignore_errors=True)

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the process
        persistence = ["--appendonly", "no"]
        if self.appendonly:
            persistence = ["--appendonly", "yes", "--appendfsync", "everysec", "--dir", str(self.data_dir)]
        self.proc = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                *persistence,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(self._pings, timeout=20, what=f"redis on port {self.port}", interval=0.1)

    def _pings(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None:
            stop_process(self.proc, sig)

    def restart(self, *, sig: int = signal.SIGKILL, down_for: float = 0.0) -> None:
        self.stop(sig)
        time.sleep(down_for)
        self.start()
        self.restarts += 1

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0):
        import redis

        return redis.Redis.from_url(self.url(db))


# --- Celery workers ----------------------------------------------------------------------------------------
def worker_env(
    *, broker_url: str, visibility_timeout: int = 5, restore_interval: int = 1, **overrides: str
) -> dict[str, str]:
    """Environment of a real (not eager) worker on ``broker_url`` whose unacknowledged messages are
    handed out again ``visibility_timeout`` s after a worker died (kombu's Redis transport restores
    them on a sweep every ``restore_interval`` s). The worker uses the test database."""
    return child_env(
        CELERY_EAGER="0",
        REDIS_URL=broker_url,
        CELERY_VISIBILITY_TIMEOUT=str(visibility_timeout),
        CELERY_UNACKED_RESTORE_INTERVAL=str(restore_interval),
        CELERY_UNACKED_RESTORE_THROTTLE=str(restore_interval),
        **overrides,
    )


@dataclass
class CeleryWorker:
    proc: subprocess.Popen
    name: str
    log_path: Path
    killed: bool = field(default=False)

    @classmethod
    def start(cls, log_dir: Path, *, env: dict[str, str], concurrency: int = 1, prefix: str = "fault") -> CeleryWorker:
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        proc = start_celery_worker(log_dir, name=name, env=env, concurrency=concurrency)
        return cls(proc=proc, name=name, log_path=log_dir / f"celery-{name}.log")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def count(self, pattern: str) -> int:
        return len(re.findall(pattern, self.log()))

    def wait_ready(self, timeout: float = 90) -> None:
        wait_until(lambda: "ready." in self.log() or self.proc.poll() is not None, timeout=timeout, what="worker")
        if self.proc.poll() is not None:
            raise RuntimeError(f"worker {self.name} exited:\n{self.log()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children), like a machine losing power:
        nothing is acknowledged or rejected; the broker gives the message out again after the
        visibility timeout."""
        self.killed = True
        stop_process(self.proc, signal.SIGKILL)

    def kill_pool_child(self) -> int:
        """SIGKILL only the process running the task; the main process notices the lost child and
        (reject_on_worker_lost) puts the message back at once. Returns the child's pid."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        if not children:
            raise RuntimeError("the worker has no pool process")
        pid = int(children[0])
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self) -> None:
        stop_process(self.proc, signal.SIGTERM)


def kill_during_task(first: CeleryWorker, kill: str, broker, start_worker: Callable[[], CeleryWorker]) -> CeleryWorker:
    """Kill ``first`` while it holds one unacknowledged task: ``whole_worker`` (SIGKILL to every
    process, a new worker is started: the task comes back after the visibility timeout) or
    ``pool_process`` (only the child; the worker rejects the task at once). Returns the worker that
    will finish the task."""
    # acks_late: taken and not acknowledged (or, past the short visibility timeout of these tests,
    # already put back in the queue): the message exists exactly once.
    assert broker.hlen("unacked") + broker.llen("celery") == 1
    if kill == "whole_worker":
        first.kill()
        assert broker.hlen("unacked") + broker.llen("celery") == 1  # nobody acknowledged or rejected it
        return start_worker()
    first.kill_pool_child()
    return first


def wait_broker_empty(broker, *, timeout: float) -> None:
    """The queue and the unacknowledged set both empty: every task was acknowledged."""
    wait_until(
        lambda: broker.llen("celery") == 0 and broker.hlen("unacked") == 0, timeout=timeout, what="an empty broker"
    )


# --- Fixtures ----------------------------------------------------------------------------------------------
@pytest.fixture
def private_postgres(process_log_dir) -> Iterator[PrivatePostgres]:
    with PrivatePostgres.started(process_log_dir) as pg:
        yield pg


@pytest.fixture
def private_redis(process_log_dir) -> Iterator[PrivateRedis]:
    with PrivateRedis.started(process_log_dir) as redis:
        yield redis


@pytest.fixture
def private_redis_aof(process_log_dir) -> Iterator[PrivateRedis]:
    """A private Redis persisted as docker-compose.yml runs it (append-only file, fsync every second)."""
    with PrivateRedis.started(process_log_dir, appendonly=True) as redis:
        yield redis


@pytest.fixture
def celery_workers(process_log_dir) -> Iterator[Callable[..., CeleryWorker]]:
    """``celery_workers(env=...)`` starts a worker; every one still alive is stopped at the end."""
    started: list[CeleryWorker] = []

    def start(*, env: dict[str, str], concurrency: int = 1) -> CeleryWorker:
        worker = CeleryWorker.start(process_log_dir, env=env, concurrency=concurrency)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        stop_process(worker.proc, signal.SIGTERM, timeout=15)
