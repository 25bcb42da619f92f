"""What the photo record adds to the rest of the patient record: timeline entries, progress series
over visits, and FHIR Media resources that reference the access-checked file instead of embedding it."""

from __future__ import annotations

from datetime import date

import pytest

from tests.media.conftest import new_evaluation, standard_set, upload_set

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_visits(patient_a1, therapist_a):
    from patients.media.services import grading_accept, grading_start
    from patients.models import GradingRun

    runs = []
    for day, severity in ((date(2026, 9, 10), 0.8), (date(2026, 10, 22), 0.35)):
        evaluation = new_evaluation(patient_a1, therapist_a, day)
        upload_set(evaluation, therapist_a, standard_set(severity, "left"))
        runs.append(GradingRun.objects.get(pk=grading_start(actor=therapist_a, evaluation=evaluation).pk))
    synkinesis = runs[0].suggestions.get(item="ocular_synkinesis")
    grading_accept(actor=therapist_a, run=runs[0], values={"eface.ocular_synkinesis": synkinesis.suggested_value})
    return runs


def test_the_progress_page_charts_photo_measures_over_visits(client_of, therapist_a, patient_a1, two_visits):
    from patients.progress.series import progress_series

    series = {s["key"]: s for s in progress_series(patient_a1) if s["key"].startswith("photo.")}
    assert set(series) >= {"photo.brow_rest_pct", "photo.smile_excursion_pct", "photo.ocular_synkinesis"}
    smile = [p["value"] for p in series["photo.smile_excursion_pct"]["points"]]
    assert len(smile) == 2 and smile[1] > smile[0]  # the weaker side recovers between the visits
    assert [p["date"] for p in series["photo.brow_rest_pct"]["points"]] == [date(2026, 9, 10), date(2026, 10, 22)]
    page = client_of(therapist_a).get(f"/patients/{patient_a1.pk}/progress/")
    assert page.status_code == 200 and "Mouth corner excursion in a big smile" in page.content.decode()


def test_the_timeline_lists_gradings_and_acceptances(client_of, therapist_a, patient_a1, two_visits):
    from patients.timeline import timeline_entries

    kinds = [e["kind"] for e in timeline_entries(patient_a1)]
    assert kinds.count("photo_grading") == 2 and kinds.count("photo_grading_accepted") == 1
    page = client_of(therapist_a).get(f"/patients/{patient_a1.pk}/timeline/")
    assert "Photo set graded" in page.content.decode()


def test_the_fhir_export_references_each_photo_without_embedding_it(api_client, therapist_a, patient_a1, two_visits):
    from patients.evaluations.services import evaluation_complete, evaluation_set_scale_items

    signed = two_visits[1].evaluation
    evaluation_set_scale_items(actor=therapist_a, evaluation=signed, scale="house_brackmann", items={"grade": 3})
    evaluation_complete(actor=therapist_a, evaluation=signed)
    api_client.force_authenticate(therapist_a)
    bundle = api_client.get(f"/api/v1/patients/{patient_a1.pk}/fhir/").json()
    media = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Media"]
    assert len(media) == signed.media.count() == 8  # the draft visit's photos are not exported yet
    encounters = {e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Encounter"}
    for resource in media:
        content = resource["content"]
        assert "data" not in content
        assert "/api/v1/media/" in content["url"] and content["url"].endswith("/content/")
        assert resource["encounter"]["reference"] in encounters
        assert resource["view"]["coding"][0]["code"]
    draft = two_visits[0].evaluation
    per_visit = api_client.get(f"/api/v1/evaluations/{draft.pk}/fhir/").json()
    assert sum(1 for e in per_visit["entry"] if e["resource"]["resourceType"] == "Media") == 8
