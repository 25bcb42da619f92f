"""End-to-end latency of the live biofeedback view: device window end → drawn in the browser.

    python -m benchmarks.live_latency --chairs 1 [--seconds 30] [--pages 1]
    python -m benchmarks.live_latency --chairs 20

One uvicorn server on PostgreSQL + Redis (as benchmarks/ingest.py: database ``retrain_bench``,
created and migrated when missing), N simulated chairs (real ``edge_agent.Agent``s, 2 channels,
2 kHz, 50 ms windows, realtime) in one agent process, one open symmetry session per chair.

Method. The agent stamps each window with the device clock (``device_time_us`` of its first sample,
so the window's last sample is at ``device_time_us + n/fs``; the simulated driver hands a window
over when its last sample would have been acquired). Every live frame carries the device time of
its last sample (``device_end_us``). The page (``sessions/static/therapy/biofeedback/live.js``)
records, for each frame, ``performance.timeOrigin + performance.now()`` in the animation frame that
drew it (``window.bfLog``). Agent, server and browser run on 127.0.0.1 and read the same system
clock, so ``drawn - device_end`` is the end-to-end latency: agent send, ingest batch and commit,
the INGEST_LISTENER (filter, envelope), the channel layer (Redis), the browser socket, and the wait
for the next animation frame (≤ 16.7 ms at 60 Hz). The agent stamps its clock a few ms before its
driver starts, which can only add to the measured latency.

Browser pages: ``--pages`` sessions are opened in headless Chromium (default 1: one therapist
watching while all chairs stream). Every session is also watched by a plain websocket client in
this process, which gives the socket-arrival latency of every chair (no drawing).

Printed (JSON): p50/p99/max of both latencies over the measured interval, frames/s per session,
CPU of the server process, and the load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.ingest import DEFAULT_DB, _cpu_seconds, _ensure_database, _env, _free_port, _prepare, _wait_http

ROOT = Path(__file__).resolve().parents[1]
TARGET_P99_MS = 100.0


def _sessions(chairs: int) -> tuple[list[int], str]:
    """An open symmetry session per bench chair; the session cookie of the bench therapist."""
    from django.db import connection
    from django.test import Client

    from clinic.models import Chair, Clinic, User
    from patients.models import Patient
    from sessions.biofeedback.services import biofeedback_session_start

    clinic = Clinic.objects.get(slug="bench")
    therapist, created = User.objects.get_or_create(
        username="bench-therapist@bench.test",
        defaults={"clinic": clinic, "role": User.Role.THERAPIST, "email": "bench-therapist@bench.test"},
    )
    ids = []
    for i in range(chairs):
        chair = Chair.objects.get(clinic=clinic, name=f"Bench chair {i + 1}")
        patient, _ = Patient.objects.get_or_create(
            clinic=clinic,
            record_number=f"BENCH-{i + 1}",
            defaults={"first_name": "Bench", "last_name": f"Patient {i + 1}", "affected_side": "left"},
        )
        session = biofeedback_session_start(
            actor=therapist,
            patient=patient,
            chair=chair,
            protocol="symmetry",
            sites=[
                {"muscle": "zygomaticus_major", "side": "left"},
                {"muscle": "zygomaticus_major", "side": "right"},
            ],
        )
        ids.append(session.pk)
    client = Client()
    client.force_login(therapist)
    cookie = client.cookies["sessionid"].value
    connection.close()
    return ids, cookie


def _stats(values: list[float]) -> dict:
    if not values:
        return {"count": 0}
    arr = np.asarray(values)
    return {
        "count": int(arr.size),
        "p50": round(float(np.percentile(arr, 50)), 1),
        "p99": round(float(np.percentile(arr, 99)), 1),
        "max": round(float(arr.max()), 1),
    }


async def _watch_socket(url: str, cookie: str, origin: str, window: dict, out: list, frames: dict, key: int) -> None:
    from websockets.asyncio.client import connect

    async with connect(url, additional_headers={"Cookie": f"sessionid={cookie}"}, origin=origin) as ws:
        async for raw in ws:
            now_ms = time.time() * 1000
            msg = json.loads(raw)
            if msg.get("type") != "frame":
                continue
            if window["from"] <= now_ms <= window["to"]:
                out.append(now_ms - msg["device_end_us"] / 1000)
                frames[key] = frames.get(key, 0) + 1


async def _measure(
    port: int, session_ids: list[int], cookie: str, pages: int, warmup: float, seconds: float, agents_pid: int
) -> dict:
    from playwright.async_api import async_playwright

    base = f"http://127.0.0.1:{port}"
    window = {"from": float("inf"), "to": float("inf")}
    socket_latencies: list[float] = []
    frames: dict = {}
    watchers = [
        asyncio.create_task(
            _watch_socket(
                f"ws://127.0.0.1:{port}/ws/biofeedback/{sid}/", cookie, base, window, socket_latencies, frames, sid
            )
        )
        for sid in session_ids
    ]
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
        )
        context = await browser.new_context(base_url=base, viewport={"width": 1366, "height": 900})
        await context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
        opened = []
        for sid in session_ids[:pages]:
            page = await context.new_page()
            await page.goto(f"/therapy/biofeedback/{sid}/")
            opened.append(page)
        await asyncio.sleep(warmup)
        window["from"] = time.time() * 1000
        window["to"] = window["from"] + seconds * 1000
        os.kill(agents_pid, signal.SIGUSR1)
        await asyncio.sleep(seconds)
        os.kill(agents_pid, signal.SIGUSR2)
        await asyncio.sleep(0.5)
        drawn: list[float] = []
        page_frames = 0
        for page in opened:
            log = await page.evaluate("window.bfLog.slice()")
            for entry in log:
                if window["from"] <= entry["drawn_ms"] <= window["to"]:
                    drawn.append(entry["drawn_ms"] - entry["device_end_us"] / 1000)
                    page_frames += 1
        await browser.close()
    for task in watchers:
        task.cancel()
    await asyncio.gather(*watchers, return_exceptions=True)
    return {
        "browser_draw_latency_ms": _stats(drawn),
        "socket_arrival_latency_ms": _stats(socket_latencies),
        "frames_per_s_per_session": round(sum(frames.values()) / max(1, len(session_ids)) / seconds, 1),
        "drawn_frames_per_s_per_page": round(page_frames / max(1, len(opened)) / seconds, 1),
        "sessions_with_frames": len(frames),
    }


def run(chairs: int, seconds: float, warmup: float, pages: int, database_url: str, redis_url: str) -> dict:
    _ensure_database(database_url)
    tokens = _prepare(database_url, redis_url, chairs)
    session_ids, cookie = _sessions(chairs)
    env = _env(database_url, redis_url)
    port = _free_port()
    workdir = Path(tempfile.mkdtemp(prefix="retrain-live-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    server_log = open(workdir / "server.log", "wb")  # noqa: SIM115
    command = [sys.executable, "-m", "uvicorn", "clinic.asgi:application", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning", "--no-access-log"]
    if os.environ.get("BENCH_SERVER_PROFILE"):
        # cProfile of the server's event loop thread, written when the server stops.
        code = (
            "import cProfile, uvicorn; p = cProfile.Profile(); p.enable()\n"
            f"try: uvicorn.run('clinic.asgi:application', host='127.0.0.1', port={port}, log_level='warning', "
            "access_log=False)\n"
            f"finally: p.disable(); p.dump_stats({os.environ['BENCH_SERVER_PROFILE']!r})"
        )
        command = [sys.executable, "-c", code]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    agents = None
    try:
        _wait_http(f"http://127.0.0.1:{port}/healthz", server)
        token_files = []
        for i, token in enumerate(tokens):
            path = workdir / f"token-{i}"
            path.write_text(token)
            token_files.append(str(path))
        spec = {
            "url": f"ws://127.0.0.1:{port}",
            "token_files": token_files,
            "dir": str(workdir / "agents"),
            "first": 0,
            "result": str(workdir / "agents.json"),
            "stagger": 0.05,
        }
        agents = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.ingest", "--worker", json.dumps(spec)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=open(workdir / "agents.log", "wb"),  # noqa: SIM115
        )
        if agents.stdout.readline().strip() != b"ready":
            raise RuntimeError("the agent process did not start")
        load0 = os.getloadavg()[0]
        cpu0, t0 = _cpu_seconds(server.pid), time.monotonic()
        # The agents measure device window end → acknowledgement of its commit meanwhile (the ingest
        # part of the path, under the same load): SIGUSR1 starts, SIGUSR2 stops.
        measured = asyncio.run(_measure(port, session_ids, cookie, min(pages, chairs), warmup, seconds, agents.pid))
        cpu1, t1 = _cpu_seconds(server.pid), time.monotonic()
        load1 = os.getloadavg()[0]
    finally:
        if agents is not None and agents.poll() is None:
            agents.send_signal(signal.SIGTERM)
            try:
                agents.wait(90)
            except subprocess.TimeoutExpired:
                agents.kill()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
    result_file = workdir / "agents.json"
    acks = json.loads(result_file.read_text())["latencies"] if result_file.exists() else []
    measured["device_ack_latency_ms"] = _stats(acks)
    p99 = measured["browser_draw_latency_ms"].get("p99")
    return {
        "benchmark": "live_latency",
        "chairs": chairs,
        "pages": min(pages, chairs),
        "seconds": seconds,
        **measured,
        "target_p99_ms": TARGET_P99_MS,
        "target_met": p99 is not None and p99 <= TARGET_P99_MS,
        "server_cpu_percent_of_one_core": round(100 * (cpu1 - cpu0) / (t1 - t0), 1),
        "machine_cores": os.cpu_count(),
        "load_average_1min": [round(load0, 2), round(load1, 2)],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chairs", type=int, default=1)
    parser.add_argument("--pages", type=int, default=1, help="sessions watched in the browser (the rest by sockets)")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=8)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")),
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(SystemExit(143)))
    print(
        json.dumps(run(args.chairs, args.seconds, args.warmup, args.pages, args.database_url, args.redis_url), indent=2)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
