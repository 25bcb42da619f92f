"""End to end with real processes: a therapist uploads the standard photo set in the browser, the
grading waits in the Redis queue until a Celery worker starts, the page shows its stages and
progress while the worker measures, then the overlays and the suggested eFACE items; the therapist
changes one value, accepts them into the evaluation, and the evaluation's scales carry them.
Screenshots go to test-output/screenshots/<test>/."""

from __future__ import annotations

import time

import pytest

from tests.harness.browser import _new_page, sign_in
from tests.harness.servers import child_env, start_asgi_server, start_celery_worker, stop_process
from tests.media.conftest import new_evaluation, standard_set, top_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def real_stack(transactional_db, process_log_dir, private_media, settings):
    """A uvicorn process that queues tasks (not eager) on the test Redis; the worker is started by
    the test when it wants the queue to move. Both share the test's private media directory."""
    if not settings.REDIS_URL:
        pytest.fail("this test needs REDIS_URL (the test command sets it)")
    env = child_env(CELERY_EAGER="0", MEDIA_ROOT=str(private_media))
    server = start_asgi_server(process_log_dir, env=env)
    workers = []

    def start_worker():
        workers.append(start_celery_worker(process_log_dir, name="grading", env=env))

    yield server, start_worker
    for worker in workers:
        stop_process(worker)
    server.stop()


@pytest.fixture
def stack_page(browser, real_stack, request):
    server, _ = real_stack
    context, page, problems = _new_page(browser, server.url, {"viewport": {"width": 1366, "height": 900}}, request)
    page.set_default_timeout(30_000)
    yield page
    context.close()
    assert not problems.csp, f"Content-Security-Policy violations: {problems.csp}"
    assert not problems.errors, f"JavaScript errors on the page: {problems.errors}"


def test_upload_watch_the_grading_and_accept_the_suggestions(
    stack_page, real_stack, screenshot, therapist_a, patient_a1
):
    from datetime import date

    from patients.models import EvaluationScale, GradingRun

    page = stack_page
    _, start_worker = real_stack
    evaluation = new_evaluation(patient_a1, therapist_a, date(2026, 9, 10))
    photos = standard_set(0.8, "left")

    sign_in(page, therapist_a)
    page.goto(f"/patients/{patient_a1.pk}/")
    page.get_by_role("link", name="Photos & video").click()
    page.wait_for_url("**/media/")
    page.get_by_role("link", name="Open photo set").click()
    page.wait_for_url(f"**/media/evaluations/{evaluation.pk}/")
    top_screenshot(screenshot, page, "1-empty-set")
    for view, data in photos.items():
        page.set_input_files(
            f'input[name="photo_{view}"]', files=[{"name": f"{view}.jpg", "mimeType": "image/jpeg", "buffer": data}]
        )
    with page.expect_navigation():
        page.get_by_role("button", name="Upload").click()
    page.wait_for_url("**#grading")
    assert page.get_by_text("8 files stored.").is_visible()
    assert page.locator("[data-run-status]").inner_text() == "Queued"
    top_screenshot(screenshot, page, "2-queued")

    start_worker()
    stages = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        status = page.locator("[data-run-status]").inner_text()
        stage = page.locator("[data-stage]").inner_text()
        if stage and (not stages or stages[-1] != stage):
            stages.append(stage)
            if stage.startswith("Finding the landmarks") and len(stages) <= 4:
                top_screenshot(screenshot, page, "3-grading-progress")
        if status == "Finished" and page.locator("#suggestions").count():
            break
        time.sleep(0.25)
    assert status == "Finished", stages
    assert any(s.startswith("Finding the landmarks") for s in stages), stages
    run = GradingRun.objects.get(evaluation=evaluation)
    assert run.status == "done" and run.started_at is not None

    overlays = page.locator(".media-slot img")
    assert overlays.count() == 8
    page.wait_for_function(
        "() => [...document.querySelectorAll('.media-slot img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert all("/overlay/" in overlays.nth(i).get_attribute("src") for i in range(8))
    assert page.locator("#suggestions").get_by_text("Brow at rest", exact=True).is_visible()
    top_screenshot(screenshot, page, "4-overlays-and-suggestions")

    suggested = run.suggestions.get(scale="eface", item="brow_rest").suggested_value
    page.get_by_label("Value for Brow at rest").fill(f"{suggested + 4:g}")
    with page.expect_navigation():
        page.get_by_role("button", name="Accept into the evaluation").click()
    page.wait_for_url("**#suggestions")
    message = page.locator(".msg-success").inner_text()
    assert "written into the evaluation (1 changed from the suggestion)" in message
    assert page.get_by_text("changed:").first.is_visible()
    top_screenshot(screenshot, page, "5-accepted")

    eface = EvaluationScale.objects.get(evaluation=evaluation, scale="eface")
    assert eface.items["brow_rest"] == pytest.approx(suggested + 4)
    assert {source["source"] for source in eface.item_sources.values()} == {"photo"}
    brow = run.suggestions.get(scale="eface", item="brow_rest")
    assert brow.suggested_value == suggested and brow.accepted_value == pytest.approx(suggested + 4)
