"""The live page's calibration buttons and its gap recovery, in a real browser.

Calibration: the chair's simulated agent rests for 20 s, then holds its first channel at 0.5 and
its second at 0.25 of full scale. The therapist clicks "Rest baseline" while it rests and both "Max"
buttons once it holds; the page counts down, the server measures the stored samples, and the page
shows the stored calibration.

Gaps: two ASGI servers share a private Redis; the chair streams to A, the browser watches on B (the
frames cross Redis pub/sub). Redis is killed and restarted; the page finds the hole in seq, asks for
it again and draws the backfill, without reconnecting.
"""

from __future__ import annotations

import re
import signal

import pytest

from tests.biofeedback.scripts import LIVE_SCRIPT
from tests.edge_agent.agents import write_config
from tests.edge_agent.processes import start_agent, wait_for
from tests.harness.browser import DESKTOP, _new_page, sign_in
from tests.harness.servers import child_env, start_asgi_server, stop_process

pytestmark = pytest.mark.browser

REST_THEN_HOLD = """
loop = false

[[driver.simulated.script]]
seconds = 20
state = "rest"

[[driver.simulated.script]]
seconds = 5
state = "custom"
levels = [0.5, 0.25]
"""


def _until(page, expression: str, timeout: float = 30) -> None:
    wait_for(lambda: page.evaluate(expression), timeout, expression, interval=0.1)


def test_the_calibration_buttons_measure_rest_and_each_maximum(
    page, asgi_server, device, start_session, therapist_a, tmp_path, process_log_dir, screenshot
):
    from sessions.models import BiofeedbackSession

    session = start_session(device.chair, protocol="symmetry", threshold_pct=80)
    config = write_config(tmp_path, url=asgi_server.ws_url, token=device.token, seed=9, extra_sim=REST_THEN_HOLD)
    agent = start_agent(config, process_log_dir, "bio-calibration")
    try:
        sign_in(page, therapist_a)
        page.goto(f"/therapy/biofeedback/{session.pk}/")
        _until(page, "window.bfStats && window.bfStats.frames > 10")
        assert page.locator("#bf-cal-status").inner_text() == "Not calibrated yet."
        page.get_by_role("button", name="Rest baseline (5 s)").click()
        assert re.match(r"Rest baseline \(5 s\): \d s…", page.locator("#bf-cal-status").inner_text())
        _until(page, "document.getElementById('bf-cal-status').textContent === 'Step recorded. Next step.'")
        # The hold starts 20 s into the recording: wait for it, and 3 s of it, on the page's own log.
        _until(page, "window.bfLog.length && window.bfLog[window.bfLog.length - 1].sample_end > 2000 * 23.5", 50)
        maxima = page.locator("button[data-cal=maximum]")
        assert maxima.count() == 2 and maxima.nth(0).inner_text().startswith("Max: Zygomaticus major L")
        maxima.nth(0).click()
        maxima.nth(1).click()
        _until(page, "document.getElementById('bf-cal-status').textContent.indexOf('Calibrated:') === 0")
        shown = page.locator("#bf-cal-status").inner_text()
        screenshot(page, "calibrated")
    finally:
        stop_process(agent)

    stored = BiofeedbackSession.objects.get(pk=session.pk)
    assert stored.status == BiofeedbackSession.Status.TRAINING
    rest, maximum = stored.calibration["rest"], stored.calibration["maximum"]
    # What the page says is what was stored.
    assert shown == (
        f"Calibrated: rest {rest[0]:.1f} / {rest[1]:.1f} µV, maximum {maximum[0]:.1f} / {maximum[1]:.1f} µV."
    )
    assert all(1.0 < r < 8.0 for r in rest), rest  # the simulated rest: 3 µV plus amplifier noise
    assert maximum[0] > 8 * rest[0] and maximum[1] > 4 * rest[1], (rest, maximum)
    assert 0.4 < maximum[1] / maximum[0] < 0.6, maximum  # the second channel held at half the first's level
    assert stored.markers.count() == 3


def test_the_page_resyncs_the_hole_a_redis_restart_leaves(
    browser, request, device, start_session, therapist_a, private_redis, tmp_path, process_log_dir, screenshot
):
    session = start_session(device.chair, protocol="symmetry", threshold_pct=80)
    env = child_env(REDIS_URL=private_redis.url(), CELERY_EAGER="1")
    server_a = start_asgi_server(process_log_dir, env=env)
    server_b = start_asgi_server(process_log_dir, env=env)
    config = write_config(tmp_path, url=server_a.ws_url, token=device.token, seed=5, extra_sim=LIVE_SCRIPT)
    agent = start_agent(config, process_log_dir, "bio-browser-gap")
    context, page, problems = _new_page(browser, server_b.url, DESKTOP, request)
    try:
        sign_in(page, therapist_a)
        page.goto(f"/therapy/biofeedback/{session.pk}/")
        _until(page, "window.bfStats && window.bfStats.frames > 40")
        assert page.evaluate("window.bfStats.gaps") == 0
        private_redis.restart(sig=signal.SIGKILL, down_for=2.0)
        _until(page, "window.bfStats.gaps >= 1 && window.bfStats.backfills >= window.bfStats.gaps", 40)
        frames_then = page.evaluate("window.bfStats.frames")
        _until(page, f"window.bfStats.frames > {frames_then} + 40")  # live again
        stats = page.evaluate("window.bfStats")
        assert page.locator("#bf-conn").inner_text() == "Live"  # the socket never closed
        assert re.fullmatch(r"\d+ gap\(s\) resynced", page.locator("#bf-gaps").inner_text())
        screenshot(page, "after-redis-restart")
    finally:
        context.close()
        stop_process(agent)
        server_a.stop()
        server_b.stop()
    assert stats["gaps"] == stats["backfills"] >= 1, stats
    assert not problems.csp and not problems.errors, (problems.csp, problems.errors)
