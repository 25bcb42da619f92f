"""The demo's simulated chair, as ``scripts/demo`` starts it (the seeded configuration and session,
a real agent process), shows live traces to a newcomer signed in as the demo therapist."""

from __future__ import annotations

import re
import time

import pytest

from tests.edge_agent.processes import start_agent, wait_for
from tests.harness.servers import stop_process

pytestmark = pytest.mark.browser


def test_a_newcomer_sees_live_traces_from_the_demo_chair(
    page, asgi_server, settings, tmp_path, process_log_dir, screenshot, test_output_dir
):
    from clinic.demo import DEMO_PASSWORD, seed_people
    from sessions.biofeedback.demo import seed_biofeedback_session
    from sessions.ingest.demo import seed_demo_agent

    settings.VAR_DIR = tmp_path
    settings.SITE_URL = "http://127.0.0.1:8000"
    demo = seed_people()
    seed_demo_agent(demo)
    seed_biofeedback_session(demo)
    config = tmp_path / "demo-agent.toml"
    # The seeded configuration, pointed at this test's server instead of the demo's port.
    config.write_text(re.sub(r'url = "[^"]+"', f'url = "{asgi_server.ws_url}"', config.read_text()))
    started = time.monotonic()
    agent = start_agent(config, process_log_dir, "demo-chair")
    try:
        page.goto("/accounts/login/")
        page.get_by_label("E-mail").fill("maya@lakeside.demo")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        patient = next(p for p in demo.patients if p.record_number == "RT-1001")
        page.goto(f"/patients/{patient.pk}/")
        page.get_by_role("link", name="EMG sessions").click()
        page.get_by_role("link", name=re.compile(r"\d{1,2} \w{3} \d{4}")).first.click()
        wait_for(lambda: page.evaluate("window.bfStats && window.bfStats.frames > 20"), 60, "live frames", interval=0.2)
        seconds = time.monotonic() - started
        (test_output_dir / "demo-chair-first-traces-seconds.txt").write_text(f"{seconds:.1f}\n")
        assert page.locator("#bf-conn").inner_text() == "Live"
        assert page.evaluate("window.bfLog.length") > 20
        screenshot(page, "demo-chair-live")
    finally:
        stop_process(agent)
