"""The live page in a real browser, fed by a real simulated agent process through the real server:
traces move, the displayed symmetry follows the script's step from 1.0 to 0.5 within 2 s (measured
with the page clock against the agent clock, both the machine's clock on 127.0.0.1), a threshold
drag is stored, the patient screen follows, and crossing the ceiling in inhibition shows the alert."""

from __future__ import annotations

import pytest

from tests.biofeedback.scripts import LIVE_PERIOD_S, LIVE_RATIO_CHANGE_S, LIVE_SCRIPT
from tests.edge_agent.agents import write_config
from tests.edge_agent.processes import start_agent, wait_for
from tests.harness.browser import sign_in
from tests.harness.servers import stop_process

pytestmark = pytest.mark.browser
FS = 2000


def _until(page, expression: str, timeout: float = 20) -> None:
    """Poll a JS expression (page.wait_for_function evaluates strings, which the CSP forbids)."""
    wait_for(lambda: page.evaluate(expression), timeout, expression, interval=0.1)


def _log(page) -> list[dict]:
    return page.evaluate("window.bfLog.slice()")


def _ratio_step_delays(log: list[dict]) -> list[float]:
    """For each scripted 1.0 → 0.5 step seen in the log: ms from the step (agent clock) to the first
    drawn frame showing a ratio under 0.75 (page clock)."""
    delays = []
    entries = [e for e in log if e["sample_end"] is not None]
    if not entries:
        return delays
    last = entries[-1]
    first_period = entries[0]["sample_end"] // (LIVE_PERIOD_S * FS)
    for period in range(first_period, last["sample_end"] // (LIVE_PERIOD_S * FS) + 1):
        boundary = (period * LIVE_PERIOD_S + LIVE_RATIO_CHANGE_S) * FS
        before = [e for e in entries if boundary - 1.0 * FS <= e["sample_end"] <= boundary]
        after = [e for e in entries if e["sample_end"] > boundary and e["ratio"] is not None and e["ratio"] < 0.75]
        if not before or not after or not all(e["ratio"] is not None and e["ratio"] > 0.85 for e in before[-5:]):
            continue
        shown = after[0]
        # Device time of the boundary sample, from the agent's clock stamped on the frame.
        step_ms = (shown["device_end_us"] - (shown["sample_end"] - boundary) * 1e6 / FS) / 1000
        delays.append(shown["drawn_ms"] - step_ms)
    return delays


def test_live_traces_follow_the_chair_and_the_page_shows_symmetry_and_the_ceiling_alert(
    page, asgi_server, device, start_session, therapist_a, tmp_path, process_log_dir, screenshot
):
    from sessions.biofeedback import services
    from sessions.models import BiofeedbackSession, Recording

    session = start_session(device.chair, protocol="symmetry", threshold_pct=80)
    config = write_config(tmp_path, url=asgi_server.ws_url, token=device.token, seed=5, extra_sim=LIVE_SCRIPT)
    agent = start_agent(config, process_log_dir, "bio-live")
    try:
        sign_in(page, therapist_a)
        page.goto(f"/therapy/biofeedback/{session.pk}/")
        _until(page, "window.bfStats && window.bfStats.frames > 10", 30)
        start = page.evaluate("window.bfLog[window.bfLog.length - 1].sample_end")
        _until(page, f"window.bfLog[window.bfLog.length - 1].sample_end > {start + FS}")
        assert page.locator("#bf-conn").inner_text() == "Live"
        # The traces move: a second later the newest point drawn is a second further on.
        assert page.evaluate("window.bfLog[window.bfLog.length - 1].sample_end") >= start + FS
        screenshot(page, "01-symmetry-live")

        # Wait through a full script period so at least one 1.0 → 0.5 step is seen whole.
        wait_for(lambda: _ratio_step_delays(_log(page)), LIVE_PERIOD_S * 3, "a ratio step in the page", interval=1)
        delays = _ratio_step_delays(_log(page))
        print(f"ratio 1.0 -> 0.5 shown after {[round(d) for d in delays]} ms")
        assert delays and all(0 < d <= 2000 for d in delays), delays
        _until(page, "Number(document.getElementById('bf-ratio').textContent) < 0.65")
        screenshot(page, "02-symmetry-ratio-half")

        # The therapist drags the ratio threshold line from 80 % down to about 50 %.
        box = page.locator("#bf-bars").bounding_box()
        layout_top, layout_bottom = box["y"] + 22, box["y"] + box["height"] - 26
        column_w = (box["width"] - 12 * 4) / 3
        x = box["x"] + 12 * 3 + column_w * 2 + column_w / 2

        def y_of(pct: float) -> float:
            return layout_bottom - pct / 150 * (layout_bottom - layout_top)

        page.mouse.move(x, y_of(80))
        page.mouse.down()
        for pct in (75, 65, 55, 50):
            page.mouse.move(x, y_of(pct))
        page.mouse.up()
        stored = wait_for(
            lambda: abs((BiofeedbackSession.objects.get(pk=session.pk).threshold_pct or 0) - 50) < 3 or None,
            10,
            "the dragged threshold to be stored",
        )
        assert stored
        assert page.locator("#bf-threshold").inner_text().startswith(("49", "50", "51"))

        # The patient's second screen shows the same session, big and simple.
        screen = page.context.new_page()
        screen.goto(f"/therapy/biofeedback/{session.pk}/screen/")
        _until(screen, "window.bfStats && window.bfStats.frames > 5")
        screenshot(screen, "03-patient-screen")
        screen.close()

        # End the session from the page: the report is computed and shown.
        page.get_by_role("button", name="End session & report").click()
        page.wait_for_url(f"**/therapy/biofeedback/{session.pk}/report/")
        page.wait_for_selector("text=Compared with previous sessions")
        screenshot(page, "04-report-no-trials")

        # Inhibition: the eye (synkinetic, channel 2) must stay under a 30 % ceiling while smiling.
        inhibition = start_session(device.chair, protocol="inhibition", threshold_pct=40, ceiling_pct=30)
        period = LIVE_PERIOD_S * FS
        # Calibrate on the last script period the server has stored whole (rest, then the 0.6 smile).
        stored = wait_for(
            lambda: (n := Recording.objects.get(pk=inhibition.recording_id).samples_stored) >= period + FS and n,
            30,
            "a whole script period stored",
        )
        period0 = (stored // period - 1) * period
        services.biofeedback_calibration_step(
            actor=therapist_a, session=inhibition, kind="rest", sample_from=period0 + 100, sample_to=period0 + 1800
        )
        for channel in (0, 1):  # the strong symmetric segment at 0.6 of the maximum
            services.biofeedback_calibration_step(
                actor=therapist_a,
                session=inhibition,
                kind="maximum",
                channel=channel,
                sample_from=period0 + 9 * FS + 400,
                sample_to=period0 + 12 * FS - 400,
            )
        page.goto(f"/therapy/biofeedback/{inhibition.pk}/")
        assert "Calibrated" in page.locator("#bf-cal-status").inner_text()
        page.wait_for_selector("#bf-root[data-state='alert']", timeout=20_000)
        assert page.locator("#bf-state").inner_text() == "Ceiling crossed"
        screenshot(page, "05-inhibition-alert")
        page.get_by_role("button", name="Sound off").click()  # audio on: the alert beeps without errors
        page.wait_for_timeout(1500)
        assert page.locator("#bf-mute").inner_text() == "Sound on"

        # A trial from the page: prompt, emotional cue, duration; it stops itself after 3 s.
        page.get_by_label("Duration (s)").fill("3")
        page.get_by_role("button", name="Start trial").click()
        page.wait_for_selector("#bf-trial-now:has-text('Trial 1: Smile')")
        _until(page, "document.getElementById('bf-trial-stop').disabled === true", 10)
        trial = inhibition.trials.get()
        assert trial.emotional_cue == "Smile thinking of something that makes you happy"
        assert 2.5 <= (trial.sample_stop - trial.sample_start) / FS <= 3.0
        page.get_by_role("button", name="End session & report").click()
        page.wait_for_url(f"**/therapy/biofeedback/{inhibition.pk}/report/")
        page.wait_for_selector("#bf-coact", timeout=30_000)
        assert page.locator("table.bf-trials tbody tr").count() == 1
        assert page.locator(".bf-envelope svg rect.trial-band").count() == 1
        screenshot(page, "06-inhibition-report")
    finally:
        stop_process(agent)
