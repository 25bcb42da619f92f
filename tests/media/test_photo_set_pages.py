"""The photo record's pages render for the therapist: the tab, an evaluation's set with overlays,
measures and suggestions, the camera page, and the comparison of two visits."""

from __future__ import annotations

from datetime import date

import pytest

from tests.media.conftest import new_evaluation, standard_set, upload_set

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def graded(evaluation_a1, therapist_a):
    from patients.media.services import grading_start

    upload_set(evaluation_a1, therapist_a, standard_set(0.8, "left"))
    return grading_start(actor=therapist_a, evaluation=evaluation_a1)


def test_the_patient_has_a_photos_tab_listing_evaluations(client_of, therapist_a, patient_a1, evaluation_a1):
    response = client_of(therapist_a).get(f"/patients/{patient_a1.pk}/")
    assert "Photos &amp; video" in response.content.decode()
    page = client_of(therapist_a).get(f"/patients/{patient_a1.pk}/media/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Open photo set" in body and "Not graded" in body


def test_the_set_page_shows_overlays_measures_and_suggestions(client_of, therapist_a, patient_a1, graded):
    page = client_of(therapist_a).get(f"/patients/{patient_a1.pk}/media/evaluations/{graded.evaluation_id}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('<img src="/api/v1/media/results/') == 8  # every photo shown with its overlay
    assert "Brow height" in body and "MRD1" in body
    assert "Suggested items" in body and "Brow at rest" in body and "House-Brackmann" in body
    assert "Accept into the evaluation" in body


def test_the_camera_page_carries_its_configuration_as_json(client_of, therapist_a, patient_a1, evaluation_a1):
    page = client_of(therapist_a).get(f"/patients/{patient_a1.pk}/media/evaluations/{evaluation_a1.pk}/capture/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="capture-config"' in body and "capture.js" in body
    assert "<script>" not in body  # nothing inline (CSP)


def test_two_graded_visits_compare_side_by_side(client_of, therapist_a, patient_a1, graded):
    from patients.media.services import grading_start

    later = new_evaluation(patient_a1, therapist_a, date(2026, 10, 22))
    upload_set(
        later, therapist_a, {k: v for k, v in standard_set(0.35, "left").items() if k in ("rest", "large_smile")}
    )
    grading_start(actor=therapist_a, evaluation=later)
    page = client_of(therapist_a).get(f"/patients/{patient_a1.pk}/media/compare/?a={graded.evaluation_id}&b={later.pk}")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Before · 10 Sep 2026" in body and "After · 22 Oct 2026" in body
    assert body.count('class="card compare-view"') == 8  # every view of either visit, photo or not
    assert "No photo" in body  # views the second visit did not take
