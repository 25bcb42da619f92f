"""The therapist accepts suggested items, or changes them: both values are kept on the grading, the
evaluation's eFACE and House-Brackmann items are written through the record's service (marked as
coming from the photos), and a signed evaluation is amended only with a reason."""

from __future__ import annotations

import pytest

from clinic.models import AuditEvent
from tests.media.conftest import standard_set, upload_set

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def run(evaluation_a1, therapist_a):
    from patients.media.services import grading_start
    from patients.models import GradingRun

    upload_set(evaluation_a1, therapist_a, standard_set(0.8, "left"))
    return GradingRun.objects.get(pk=grading_start(actor=therapist_a, evaluation=evaluation_a1).pk)


def _suggested(run) -> dict[str, float]:
    return {f"{s.scale}.{s.item}": s.suggested_value for s in run.suggestions.all()}


def test_the_suggestions_say_the_left_side_is_weaker(run):
    values = _suggested(run)
    assert {"eface.brow_rest", "eface.brow_elevation", "eface.oral_commissure_smile", "eface.ocular_synkinesis"} <= set(
        values
    )
    assert values["eface.brow_rest"] < 95
    assert values["eface.brow_elevation"] < 60
    assert values["eface.gentle_eye_closure"] < 50  # the weak eye does not close
    assert values["eface.ocular_synkinesis"] < 90  # it narrows with a smile
    assert "house_brackmann.brow_rise_mm" in values and "house_brackmann.commissure_excursion_mm" in values
    basis = {s.item: s.basis for s in run.suggestions.all()}
    assert "affected (left)" in basis["brow_rest"]


def test_accepting_writes_the_items_into_the_evaluation_and_keeps_both_values(api_client, therapist_a, run):
    from patients.models import EvaluationScale

    values = _suggested(run)
    values["eface.brow_rest"] = values["eface.brow_rest"] + 5  # the therapist sees it otherwise
    api_client.force_authenticate(therapist_a)
    response = api_client.post(f"/api/v1/gradings/{run.pk}/accept/", {"items": values}, format="json")
    assert response.status_code == 200, response.content[:400]
    changed = {row["key"]: row["changed"] for row in response.json()}
    assert changed["eface.brow_rest"] is True and changed["eface.brow_elevation"] is False
    brow = run.suggestions.get(item="brow_rest")
    assert brow.accepted_value == pytest.approx(brow.suggested_value + 5)
    eface = EvaluationScale.objects.get(evaluation=run.evaluation, scale="eface")
    assert eface.items["brow_rest"] == pytest.approx(brow.accepted_value)
    assert eface.item_sources["brow_rest"]["source"] == "photo"
    assert eface.item_sources["brow_rest"]["ref"] == f"photo-grading:{run.pk}"
    hb = EvaluationScale.objects.get(evaluation=run.evaluation, scale="house_brackmann")
    assert hb.items["brow_rise_mm"] == pytest.approx(values["house_brackmann.brow_rise_mm"], abs=0.01)
    assert hb.scores["measured_grade"] is not None
    event = AuditEvent.objects.get(action="grading.accept")
    assert event.extra["changed"] == ["eface.brow_rest"]


def test_values_outside_the_item_range_are_refused_and_nothing_is_written(api_client, therapist_a, run):
    from patients.models import EvaluationScale

    api_client.force_authenticate(therapist_a)
    response = api_client.post(
        f"/api/v1/gradings/{run.pk}/accept/",
        {"items": {"eface.brow_rest": 50, "eface.brow_elevation": 140}},
        format="json",
    )
    assert response.status_code == 400
    assert "outside" in response.json()["error"]["message"]
    assert not EvaluationScale.objects.filter(evaluation=run.evaluation).exists()
    assert not run.suggestions.filter(accepted_at__isnull=False).exists()


def test_a_signed_evaluation_is_amended_only_with_a_reason(api_client, therapist_a, run):
    from patients.evaluations.services import evaluation_complete, evaluation_set_scale_items
    from patients.models import EvaluationAmendment

    evaluation_set_scale_items(
        actor=therapist_a, evaluation=run.evaluation, scale="house_brackmann", items={"grade": 4}
    )
    evaluation_complete(actor=therapist_a, evaluation=run.evaluation)
    api_client.force_authenticate(therapist_a)
    items = {"eface.ocular_synkinesis": _suggested(run)["eface.ocular_synkinesis"]}
    refused = api_client.post(f"/api/v1/gradings/{run.pk}/accept/", {"items": items}, format="json")
    assert refused.status_code == 400 and "say why" in refused.json()["error"]["message"]
    done = api_client.post(
        f"/api/v1/gradings/{run.pk}/accept/",
        {"items": items, "reason": "Graded from the photo set taken at this visit"},
        format="json",
    )
    assert done.status_code == 200
    amendment = EvaluationAmendment.objects.get(evaluation=run.evaluation)
    assert amendment.source == "photo" and amendment.reason.startswith("Graded from the photo set")


def test_the_page_form_accepts_the_ticked_items(client_of, therapist_a, run):
    from patients.models import EvaluationScale

    url = f"/patients/{run.patient_id}/media/gradings/{run.pk}/accept/"
    response = client_of(therapist_a).post(
        url,
        {"accept:eface.brow_rest": "1", "value:eface.brow_rest": "88", "value:eface.brow_elevation": "10"},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 item written into the evaluation (1 changed from the suggestion)." in response.content.decode()
    assert EvaluationScale.objects.get(evaluation=run.evaluation, scale="eface").items == {"brow_rest": 88}


def test_without_photography_consent_nothing_is_taken_or_graded(api_client, therapist_a, patient_a2, therapist_a2):
    from datetime import date

    from patients.services import consent_record
    from tests.media.conftest import jpeg_bytes, new_evaluation, portrait, upload_file

    evaluation = new_evaluation(patient_a2, therapist_a2, date(2026, 9, 1), consent=False)
    api_client.force_authenticate(therapist_a)
    upload = {"file": upload_file(jpeg_bytes(portrait())), "view": "rest"}
    response = api_client.post(f"/api/v1/evaluations/{evaluation.pk}/media/", upload, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_consent"
    consent_record(actor=therapist_a2, patient=patient_a2, kind="photography", granted=True, given_on=date(2026, 9, 1))
    upload = {"file": upload_file(jpeg_bytes(portrait())), "view": "rest"}
    assert api_client.post(f"/api/v1/evaluations/{evaluation.pk}/media/", upload, format="multipart").status_code == 201
