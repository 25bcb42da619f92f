"""Questionnaires: assigned by the therapist, filled in by the patient (portal or API), scored, seen
beside the clinician's scores; refused answers become form and API errors."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from clinic.errors import DomainError
from clinic.models import AuditEvent
from patients.models import QuestionnaireAssignment
from patients.questionnaires import services
from patients.scales.questionnaires import FACE, SAQ


@pytest.fixture
def face_assignment(therapist_a, patient_a1):
    return services.questionnaire_assign(
        actor=therapist_a, patient=patient_a1, instrument="face", due_on=timezone.localdate()
    )


def best_face_post() -> dict:
    return {f"q-{q.code}": "1" if q.reverse else "5" for q in FACE.questions}


def test_the_patient_fills_it_in_the_portal_and_it_is_scored(client_of, patient_a1, face_assignment):
    client = client_of(patient_a1.user)
    home = client.get("/portal/").content.decode()
    assert "Facial Clinimetric Evaluation" in home and f"/portal/questionnaires/{face_assignment.pk}/" in home
    page = client.get(f"/portal/questionnaires/{face_assignment.pk}/").content.decode()
    assert "When I smile, the affected side of my face" in page
    response = client.post(f"/portal/questionnaires/{face_assignment.pk}/", best_face_post())
    assert response.status_code == 302 and response["Location"].endswith("/done/")
    face_assignment.refresh_from_db()
    assert face_assignment.status == "completed" and face_assignment.source == "portal"
    assert face_assignment.scores["total"] == 100 and face_assignment.scoring_version == FACE.version
    assert face_assignment.wording == "paraphrase"
    assert "Questionnaires for you" not in client.get("/portal/").content.decode()


def test_a_missing_or_invalid_answer_is_a_form_error(client_of, patient_a1, face_assignment):
    data = best_face_post()
    del data["q-face_7"]
    data["q-face_2"] = "9"
    response = client_of(patient_a1.user).post(f"/portal/questionnaires/{face_assignment.pk}/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please answer this question" in html and "Choose one of the answers (1–5)" in html
    assert 'value="5" checked' in html  # answers already given are kept
    face_assignment.refresh_from_db()
    assert face_assignment.status == "pending"


def test_the_api_refuses_out_of_range_answers_naming_them(api_client, patient_a1, face_assignment):
    api_client.force_authenticate(patient_a1.user)
    answers = {q.code: 3 for q in FACE.questions}
    answers["face_4"] = 0
    response = api_client.post(
        f"/api/v1/questionnaires/{face_assignment.pk}/response/", {"answers": answers}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"answers.face_4": ["choose one of the answers (1–5)"]}
    answers["face_4"] = 2
    response = api_client.post(
        f"/api/v1/questionnaires/{face_assignment.pk}/response/", {"answers": answers}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "completed"


def test_another_patient_cannot_see_or_answer_it(client_of, api_client, patient_a2, face_assignment):
    assert client_of(patient_a2.user).get(f"/portal/questionnaires/{face_assignment.pk}/").status_code == 404
    api_client.force_authenticate(patient_a2.user)
    response = api_client.post(
        f"/api/v1/questionnaires/{face_assignment.pk}/response/", {"answers": {"face_1": 1}}, format="json"
    )
    assert response.status_code == 404
    assert AuditEvent.objects.filter(actor=patient_a2.user, outcome="denied", object_type="questionnaire").exists()


def test_a_therapist_of_another_clinic_cannot_assign(api_client, therapist_b, patient_a1):
    api_client.force_authenticate(therapist_b)
    response = api_client.post(
        f"/api/v1/patients/{patient_a1.pk}/questionnaires/", {"instrument": "saq"}, format="json"
    )
    assert response.status_code == 404


def test_answers_cannot_be_sent_twice(patient_a1, face_assignment):
    answers = {q.code: 3 for q in FACE.questions}
    services.questionnaire_submit(actor=patient_a1.user, assignment=face_assignment, answers=answers)
    with pytest.raises(DomainError):
        services.questionnaire_submit(actor=patient_a1.user, assignment=face_assignment, answers=answers)


def test_a_second_open_questionnaire_of_the_same_kind_is_refused(therapist_a, patient_a1, face_assignment):
    with pytest.raises(DomainError) as raised:
        services.questionnaire_assign(actor=therapist_a, patient=patient_a1, instrument="face")
    assert raised.value.code == "duplicate"
    services.questionnaire_cancel(actor=therapist_a, assignment=face_assignment)
    services.questionnaire_assign(actor=therapist_a, patient=patient_a1, instrument="face")


def test_the_therapist_enters_a_paper_form(client_of, therapist_a, patient_a1):
    assignment = services.questionnaire_assign(actor=therapist_a, patient=patient_a1, instrument="saq")
    client = client_of(therapist_a)
    url = f"/patients/{patient_a1.pk}/questionnaires/{assignment.pk}/"
    response = client.post(url, {f"q-{q.code}": "2" for q in SAQ.questions})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.source == "clinic" and assignment.completed_by == therapist_a
    assert assignment.scores["score"] == 40.0
    html = client.get(url).content.decode()
    assert "Entered by the clinic from a paper form" in html and "40" in html


def test_only_the_patient_or_their_therapists_submit(therapist_b, patient_a2, face_assignment):
    answers = {q.code: 3 for q in FACE.questions}
    with pytest.raises(PermissionDenied):
        services.questionnaire_submit(actor=therapist_b, assignment=face_assignment, answers=answers)
    with pytest.raises(PermissionDenied):
        services.questionnaire_submit(actor=patient_a2.user, assignment=face_assignment, answers=answers)


def test_results_show_beside_the_clinician_scores(client_of, therapist_a, patient_a1, two_signed_evaluations):
    first, second = two_signed_evaluations
    assignment = services.questionnaire_assign(
        actor=therapist_a, patient=patient_a1, instrument="saq", evaluation=second
    )
    services.questionnaire_submit(
        actor=patient_a1.user, assignment=assignment, answers={q.code: 3 for q in SAQ.questions}
    )
    html = client_of(therapist_a).get(f"/patients/{patient_a1.pk}/questionnaires/").content.decode()
    assert "Beside the clinician scores" in html
    assert ">60</a>" in html  # SAQ 27/45 × 100 in the row of the linked evaluation
    evaluation_page = client_of(therapist_a).get(f"/patients/{patient_a1.pk}/evaluations/{second.pk}/").content.decode()
    assert "Patient-reported, beside this evaluation" in evaluation_page and "SAQ score" in evaluation_page


def test_licensed_wording_replaces_the_paraphrase_for_patients(client_of, therapist_a, patient_a1, face_assignment):
    client = client_of(therapist_a)
    payload = '{"instrument": "face", "licence": "Licensed 2026", "items": {"face_1": "LICENSED TEXT ONE"}}'
    response = client.post(
        "/patients/questionnaire-wording/", {"form": "import", "payload": payload, "instrument": "face"}
    )
    assert response.status_code == 302
    page = client_of(patient_a1.user).get(f"/portal/questionnaires/{face_assignment.pk}/").content.decode()
    assert "LICENSED TEXT ONE" in page
    assert "Moves normally" in page  # the answers are unchanged
    client = client_of(therapist_a)
    bad = client.post(
        "/patients/questionnaire-wording/", {"form": "import", "payload": '{"items": 3}', "instrument": "face"}
    )
    assert bad.status_code == 200 and "Expected" in bad.content.decode()


def test_the_wording_api_loads_texts_for_the_clinic_only(api_client, therapist_a, therapist_b):
    api_client.force_authenticate(therapist_a)
    texts = {q.code: f"Official {q.code}" for q in SAQ.questions}
    response = api_client.put("/api/v1/questionnaire-wording/saq/", {"items": texts, "licence": "x"}, format="json")
    assert response.status_code == 200 and response.json()["instrument"]["wording"] == "clinic"
    api_client.force_authenticate(therapist_b)
    saq = next(i for i in api_client.get("/api/v1/questionnaire-instruments/").json() if i["code"] == "saq")
    assert saq["wording"] == "paraphrase"
    bad = api_client.put("/api/v1/questionnaire-wording/saq/", {"items": {"saq_99": "x"}}, format="json")
    assert bad.status_code == 400


def test_overdue_questionnaires_alert_the_care_team(therapist_a, therapist_a2, patient_a1):
    from datetime import timedelta

    from patients.questionnaires.alerts import overdue_questionnaires

    assignment = services.questionnaire_assign(
        actor=therapist_a, patient=patient_a1, instrument="fdi", due_on=timezone.localdate()
    )
    QuestionnaireAssignment.objects.filter(pk=assignment.pk).update(due_on=timezone.localdate() - timedelta(days=9))
    alerts = overdue_questionnaires(therapist_a)
    assert len(alerts) == 1 and alerts[0]["patient"] == patient_a1 and alerts[0]["severity"] == "warn"
    assert "9 day(s) ago" in alerts[0]["message"]
    assert overdue_questionnaires(therapist_a2) == []  # not in this patient's care team
