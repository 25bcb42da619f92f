"""The evaluation pages without a browser: the grading form, its errors, signing, amending."""

from __future__ import annotations

from patients.models import Evaluation, EvaluationAmendment, EvaluationScale
from tests.patients.conftest import sunnybrook_answers


def form_data(evaluation, **extra) -> dict:
    data = {"performed_on": evaluation.performed_on.isoformat(), "kind": evaluation.kind, "notes": "", "action": "save"}
    data.update(extra)
    return data


def test_saving_the_form_stores_each_scale(client_of, therapist_a, draft_evaluation):
    client = client_of(therapist_a)
    url = f"/patients/{draft_evaluation.patient_id}/evaluations/{draft_evaluation.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="sunnybrook-voluntary_brow_lift"' in html and 'name="eface-brow_rest"' in html
    assert "Moderately severe dysfunction" in html and "provisional" in html
    data = form_data(draft_evaluation, notes="Flaccid, eye care reviewed.")
    data.update({f"sunnybrook-{k}": v for k, v in sunnybrook_answers(2).items()})
    data.update({"house_brackmann-grade": "5", "eface-brow_rest": "70", "eface-brow_elevation": ""})
    response = client.post(url, data)
    assert response.status_code == 302
    draft_evaluation.refresh_from_db()
    assert draft_evaluation.notes == "Flaccid, eye care reviewed."
    assert EvaluationScale.objects.get(evaluation=draft_evaluation, scale="sunnybrook").scores["composite"] == 40
    assert EvaluationScale.objects.get(evaluation=draft_evaluation, scale="eface").items == {"brow_rest": 70}


def test_an_out_of_range_answer_shows_a_form_error_and_saves_nothing(client_of, therapist_a, draft_evaluation):
    client = client_of(therapist_a)
    url = f"/patients/{draft_evaluation.patient_id}/evaluations/{draft_evaluation.pk}/"
    data = form_data(draft_evaluation, notes="should not be saved")
    data.update({"house_brackmann-grade": "3", "eface-brow_rest": "260", "eface-gentle_eye_closure": "-4"})
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert "must be between 0 and 200" in html and "must be between 0 and 100" in html
    assert 'value="260"' in html  # the typed value is shown back for correction
    assert not EvaluationScale.objects.filter(evaluation=draft_evaluation).exists()
    draft_evaluation.refresh_from_db()
    assert draft_evaluation.notes == ""


def test_signing_from_the_form_locks_the_page(client_of, therapist_a, draft_evaluation):
    client = client_of(therapist_a)
    url = f"/patients/{draft_evaluation.patient_id}/evaluations/{draft_evaluation.pk}/"
    client.post(url, form_data(draft_evaluation, action="complete", **{"house_brackmann-grade": "2"}))
    draft_evaluation.refresh_from_db()
    assert draft_evaluation.status == Evaluation.Status.COMPLETED
    html = client.get(url).content.decode()
    assert "Signed" in html and 'name="house_brackmann-grade"' not in html
    assert f"/evaluations/{draft_evaluation.pk}/amend/house_brackmann/" in html


def test_signing_an_incomplete_scale_keeps_the_draft_with_a_message(client_of, therapist_a, draft_evaluation):
    client = client_of(therapist_a)
    url = f"/patients/{draft_evaluation.patient_id}/evaluations/{draft_evaluation.pk}/"
    response = client.post(
        url, form_data(draft_evaluation, action="complete", **{"sunnybrook-rest_eye": "narrow"}), follow=True
    )
    assert "not signed: Sunnybrook is not finished" in response.content.decode()
    draft_evaluation.refresh_from_db()
    assert draft_evaluation.status == "draft"
    assert EvaluationScale.objects.get(evaluation=draft_evaluation, scale="sunnybrook").items == {"rest_eye": "narrow"}


def test_amending_asks_for_a_reason(client_of, therapist_a, draft_evaluation):
    client = client_of(therapist_a)
    base = f"/patients/{draft_evaluation.patient_id}/evaluations/{draft_evaluation.pk}/"
    client.post(base, form_data(draft_evaluation, action="complete", **{"house_brackmann-grade": "4"}))
    amend = base + "amend/house_brackmann/"
    response = client.post(amend, {"house_brackmann-grade": "3", "reason": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = client.post(amend, {"house_brackmann-grade": "3", "reason": "Seen again with better light"})
    assert response.status_code == 302
    amendment = EvaluationAmendment.objects.get()
    assert amendment.changes == [{"item": "grade", "before": 4, "after": 3}]
    assert "Seen again with better light" in client.get(base).content.decode()


def test_clearing_a_scale_removes_its_answers(client_of, therapist_a, draft_evaluation):
    client = client_of(therapist_a)
    url = f"/patients/{draft_evaluation.patient_id}/evaluations/{draft_evaluation.pk}/"
    client.post(url, form_data(draft_evaluation, **{"house_brackmann-grade": "2"}))
    client.post(url, form_data(draft_evaluation, action="clear:house_brackmann", **{"house_brackmann-grade": "2"}))
    assert EvaluationScale.objects.get(evaluation=draft_evaluation, scale="house_brackmann").items == {}


def test_an_evaluation_of_another_patient_is_not_reachable_through_this_patient(
    client_of, therapist_a, draft_evaluation, patient_a2
):
    response = client_of(therapist_a).get(f"/patients/{patient_a2.pk}/evaluations/{draft_evaluation.pk}/")
    assert response.status_code == 404


def test_the_report_is_a_pdf(client_of, therapist_a, two_signed_evaluations):
    first, second = two_signed_evaluations
    response = client_of(therapist_a).get(f"/patients/{second.patient_id}/evaluations/{second.pk}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
