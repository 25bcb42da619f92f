"""Redis is killed and restarted while a chair streams a live biofeedback session.

Two ASGI server processes share a private Redis of this test, as two servers behind one load
balancer would: the chair's agent streams to server A; the therapist's page watches on server B, so
every live frame crosses Redis pub/sub (sessions/biofeedback/fanout.py); a second page watches on A,
where frames are delivered in-process. Redis is killed (SIGKILL, no persistence: it comes back
empty) and started again two seconds later. The watchers behave like live.js: a hole in seq is
asked for again (resync) and filled from the stored recording.

Afterwards: both pages are still connected and live frames flow again on B; every hole B saw was
filled by a backfill; the agent never lost its recording; and the stored recording is complete,
window for window and sample for sample, without duplicates.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time

import pytest
from websockets.asyncio.client import connect as ws_connect

from tests.biofeedback.conftest import _fresh_live_cache, device, start_session, ws_cookie_headers  # noqa: F401
from tests.biofeedback.scripts import LIVE_SCRIPT
from tests.edge_agent.agents import write_config
from tests.edge_agent.processes import start_agent
from tests.faults.in_private_db import stored_equals_generated
from tests.harness.servers import child_env, start_asgi_server, stop_process

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

DOWN_FOR_S = 2.0


class Page:
    """A watching page: frames with their arrival times, holes resynced as live.js does."""

    def __init__(self, url: str, headers: list[tuple[bytes, bytes]]) -> None:
        self.url = url
        self.headers = [(k.decode(), v.decode()) for k, v in headers]
        self.frames: list[tuple[float, dict]] = []
        self.holes: list[tuple[int, int]] = []
        self.backfills: list[dict] = []
        self.errors: list[dict] = []
        self.closed: str | None = None
        self.last_seq = -1
        self.recording = None

    async def run(self, until: asyncio.Event) -> None:
        async with ws_connect(self.url, additional_headers=self.headers, open_timeout=10) as ws:
            state = json.loads(await ws.recv())
            assert state["type"] == "state", state
            while not until.is_set():
                try:
                    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=0.5))
                except TimeoutError:
                    continue
                if message["type"] == "frame":
                    await self._frame(ws, message)
                elif message["type"] == "backfill":
                    self.backfills.append(message)
                elif message["type"] == "error":
                    self.errors.append(message)
            self.closed = None if ws.close_code is None else str(ws.close_code)

    async def _frame(self, ws, frame: dict) -> None:
        self.frames.append((time.monotonic(), frame))
        if frame["recording"] != self.recording:
            self.recording, self.last_seq = frame["recording"], -1
        if self.last_seq >= 0 and frame["seq_from"] > self.last_seq + 1:
            hole = (self.last_seq + 1, frame["seq_from"] - 1)
            self.holes.append(hole)
            await ws.send(json.dumps({"type": "resync", "from_seq": hole[0], "to_seq": hole[1]}))
        self.last_seq = max(self.last_seq, frame["seq_to"])

    def frames_after(self, moment: float) -> list[dict]:
        return [f for t, f in self.frames if t > moment]

    def longest_silence(self) -> float:
        times = [t for t, _ in self.frames]
        return max((b - a for a, b in zip(times, times[1:], strict=False)), default=0.0)


def test_live_view_recovers_and_the_recording_is_complete_when_redis_restarts(
    device,  # noqa: F811 - the fixture imported above
    start_session,  # noqa: F811
    therapist_a,
    private_redis,
    tmp_path,
    process_log_dir,
    test_output_dir,
):
    session = start_session(device.chair, protocol="symmetry", threshold_pct=80)
    env = child_env(REDIS_URL=private_redis.url(), CELERY_EAGER="1")
    server_a = start_asgi_server(process_log_dir, env=env)
    server_b = start_asgi_server(process_log_dir, env=env)
    config = write_config(tmp_path, url=server_a.ws_url, token=device.token, seed=5, extra_sim=LIVE_SCRIPT)
    agent = start_agent(config, process_log_dir, "redis-restart")
    headers = ws_cookie_headers(therapist_a)
    path = f"/ws/biofeedback/{session.pk}/"
    page_b = Page(server_b.ws_url + path, headers)
    page_a = Page(server_a.ws_url + path, headers)

    async def scenario() -> dict:
        done = asyncio.Event()
        watchers = [asyncio.create_task(page.run(done)) for page in (page_b, page_a)]

        async def until(predicate, timeout: float, what: str) -> None:
            deadline = time.monotonic() + timeout
            while not predicate():
                if any(w.done() for w in watchers):
                    for w in watchers:
                        if w.done():
                            w.result()  # a page's socket failed: raise its error
                if time.monotonic() > deadline:
                    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
                await asyncio.sleep(0.1)

        await until(lambda: len(page_b.frames) >= 50, 60, "live frames on server B, through Redis")
        await asyncio.sleep(2)
        killed_at = time.monotonic()
        await asyncio.to_thread(private_redis.restart, sig=signal.SIGKILL, down_for=DOWN_FOR_S)
        back_at = time.monotonic()
        await until(lambda: len(page_b.frames_after(back_at)) >= 50, 60, "live frames on B after the restart")
        await until(lambda: len(page_b.backfills) >= len(page_b.holes), 20, "the backfills of the holes")
        resumed = min(t for t, _ in page_b.frames if t > killed_at)
        done.set()
        await asyncio.gather(*watchers)
        return {"killed_at": killed_at, "back_at": back_at, "resumed_after_kill_s": resumed - killed_at}

    try:
        timing = asyncio.run(asyncio.wait_for(scenario(), timeout=180))
        assert agent.poll() is None and server_a.proc.poll() is None and server_b.proc.poll() is None
    finally:
        stop_process(agent, signal.SIGTERM, timeout=60)
        server_a.stop()
        server_b.stop()
    assert agent.returncode == 0
    assert private_redis.restarts == 1
    # Server A said so once when publishing failed and once when it worked again (not once per tick).
    a_log = [json.loads(line) for line in server_a.log().splitlines() if line.startswith("{")]
    outage = [entry for entry in a_log if entry["msg"].startswith("biofeedback.fanout_")]
    assert [entry["msg"] for entry in outage] == ["biofeedback.fanout_failed", "biofeedback.fanout_recovered"]
    frames_not_published = outage[1]["frames_lost"]

    # B's frames stopped while Redis was down and came back without the page reconnecting.
    assert page_b.closed is None and page_a.closed is None
    assert not page_b.errors and not page_a.errors
    assert page_b.holes, "the outage left no hole on B: the fault did not hit the live path"
    # Every hole was resynced from the stored recording, points for every window of it.
    for (first, last), backfill in zip(page_b.holes, page_b.backfills, strict=True):
        assert (backfill["from_seq"], backfill["to_seq"]) == (first, last)
        points = sum(len(s["points"][0]) for s in backfill["segments"])
        assert points >= (last - first + 1) * 2, (first, last, points)  # 20 points/s, 50 ms windows
    # A's page, in the agent's own process, saw no hole from the outage.
    assert len(page_a.frames) > len(page_b.frames_after(timing["back_at"]))
    assert not page_a.holes, page_a.holes
    assert len({f["recording"] for _, f in page_b.frames}) == 1  # the agent kept its recording

    totals = stored_equals_generated(str(config))
    assert totals["stored_windows"] == totals["windows"]  # samples lost = 0
    assert totals["duplicate_windows"] == 0
    figures = {
        "fault": "redis SIGKILL + restart during a live session (two ASGI servers)",
        "redis_down_s": DOWN_FOR_S,
        "live_resumed_after_kill_s": round(timing["resumed_after_kill_s"], 2),
        "longest_silence_on_b_s": round(page_b.longest_silence(), 2),
        "frames_not_published_by_a": frames_not_published,
        "holes_on_b": len(page_b.holes),
        "windows_resynced": sum(b - a + 1 for a, b in page_b.holes),
        "holes_on_a": len(page_a.holes),
        "frames_on_b": len(page_b.frames),
        "lost_windows": totals["windows"] - totals["stored_windows"],
        "duplicates": totals["duplicate_windows"],
        **{k: v for k, v in totals.items() if k not in ("duplicate_windows",)},
    }
    (test_output_dir / "fault-redis-restart-live.json").write_text(json.dumps(figures, indent=2))
