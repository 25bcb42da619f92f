"""In the browser: a graded video with its plot and ocular synkinesis, and two visits compared side
by side with their overlays and the change of each measure, on a desktop and on a phone."""

from __future__ import annotations

from datetime import date

import pytest

from tests.harness.browser import DESKTOP, PHONE, _new_page, sign_in
from tests.harness.servers import child_env, start_asgi_server
from tests.media.conftest import new_evaluation, smile_mp4, standard_set, top_screenshot, upload_file, upload_set

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(transactional_db, process_log_dir, private_media):
    """A server reading the same private media directory as this test process."""
    process = start_asgi_server(process_log_dir, env=child_env(CELERY_EAGER="1", MEDIA_ROOT=str(private_media)))
    yield process
    process.stop()


@pytest.fixture
def two_graded_visits(server, therapist_a, patient_a1):
    from patients.media.services import grading_start, media_upload

    visits = []
    for day, severity in ((date(2026, 9, 10), 0.8), (date(2026, 10, 22), 0.35)):
        evaluation = new_evaluation(patient_a1, therapist_a, day)
        upload_set(evaluation, therapist_a, standard_set(severity, "left"))
        visits.append(evaluation)
    media_upload(
        actor=therapist_a,
        evaluation=visits[1],
        view="large_smile",
        upload=upload_file(smile_mp4(), "smile.mp4", "video/mp4"),
    )
    for evaluation in visits:
        grading_start(actor=therapist_a, evaluation=evaluation)
    return visits


@pytest.mark.parametrize("layout", ["desktop", "phone"])
def test_video_plot_and_side_by_side_comparison(
    browser, request, server, two_graded_visits, screenshot, therapist_a, patient_a1, layout
):
    context, page, problems = _new_page(browser, server.url, DESKTOP if layout == "desktop" else PHONE, request)
    try:
        before, after = two_graded_visits
        sign_in(page, therapist_a)
        page.goto(f"/patients/{patient_a1.pk}/media/evaluations/{after.pk}/#videos")
        assert page.locator("#videos video").count() == 1
        assert page.locator("svg.video-plot path").count() >= 4  # two sides × two panels
        assert "narrows" in page.locator("#videos").inner_text()
        page.locator("#videos").scroll_into_view_if_needed()
        top_screenshot(screenshot, page, f"{layout}-video-plot")
        if layout == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= 390

        page.goto(f"/patients/{patient_a1.pk}/media/")
        page.get_by_role("button", name="Compare side by side").click()
        page.wait_for_url("**/media/compare/?*")
        page.wait_for_selector(".compare-view")
        assert page.locator(".compare-view").count() == 8
        page.wait_for_function(
            "() => [...document.querySelectorAll('.compare-pair img')].every(i => i.complete && i.naturalWidth > 0)"
        )
        assert page.locator(".compare-pair img").count() == 16
        smile = page.locator('.compare-view[data-view="large_smile"]')
        assert "Commissure excursion" in smile.inner_text()
        assert smile.locator(".delta").count() > 0
        top_screenshot(screenshot, page, f"{layout}-compare")
        if layout == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
    assert not problems.csp, f"Content-Security-Policy violations: {problems.csp}"
    assert not problems.errors, f"JavaScript errors on the page: {problems.errors}"
