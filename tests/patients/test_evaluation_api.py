"""The evaluation API: create, record items, sign, amend, score previews, errors in the common body."""

from __future__ import annotations

from clinic.models import AuditEvent
from tests.patients.conftest import eface_answers, sunnybrook_answers


def test_a_therapist_grades_signs_and_amends_through_the_api(api_client, therapist_a, patient_a1):
    api_client.force_authenticate(therapist_a)
    created = api_client.post(f"/api/v1/patients/{patient_a1.pk}/evaluations/", {"kind": "initial"}, format="json")
    assert created.status_code == 201, created.content
    evaluation_id = created.json()["id"]
    url = f"/api/v1/evaluations/{evaluation_id}/scales/sunnybrook/"
    response = api_client.patch(url, {"items": sunnybrook_answers(3, 1)}, format="json")
    assert response.status_code == 200
    assert response.json()["scores"]["composite"] == 55  # 60 − 0 − 5
    api_client.patch(
        f"/api/v1/evaluations/{evaluation_id}/scales/eface/", {"items": eface_answers(100, 60, 90)}, format="json"
    )
    signed = api_client.post(f"/api/v1/evaluations/{evaluation_id}/complete/")
    assert signed.status_code == 200 and signed.json()["status"] == "completed"
    refused = api_client.patch(url, {"items": {"voluntary_snarl": 4}}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"reason": ["This evaluation is signed: say why you are amending it."]}
    amended = api_client.patch(url, {"items": {"voluntary_snarl": 4}, "reason": "Missed on the day"}, format="json")
    assert amended.status_code == 200 and amended.json()["scores"]["composite"] == 59
    detail = api_client.get(f"/api/v1/evaluations/{evaluation_id}/").json()
    assert detail["amendments"][0]["changes"] == [{"item": "voluntary_snarl", "before": 3, "after": 4}]
    assert {s["scale"] for s in detail["scales"]} == {"sunnybrook", "eface"}


def test_out_of_range_items_get_a_400_naming_each_item(api_client, therapist_a, draft_evaluation):
    api_client.force_authenticate(therapist_a)
    response = api_client.patch(
        f"/api/v1/evaluations/{draft_evaluation.pk}/scales/eface/",
        {"items": {"brow_rest": 201, "lower_lip_eee": "a lot", "brow_elevation": 20}},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"eface.brow_rest", "eface.lower_lip_eee"}
    assert "between 0 and 200" in error["fields"]["eface.brow_rest"][0]


def test_score_preview_scores_without_storing(api_client, therapist_a):
    api_client.force_authenticate(therapist_a)
    response = api_client.post(
        "/api/v1/scales/house_brackmann/score/",
        {"items": {"brow_rise_mm": 10, "commissure_excursion_mm": 5}},
        format="json",
    )
    assert response.status_code == 200
    scores = response.json()["scores"]
    assert scores["measured_points"] == 6 and scores["measured_grade_roman"] == "III"
    bad = api_client.post("/api/v1/scales/sunnybrook/score/", {"items": {"voluntary_snarl": 9}}, format="json")
    assert bad.status_code == 200  # a check, not a store: refusals are the answer
    assert bad.json()["scores"] is None and "sunnybrook.voluntary_snarl" in bad.json()["errors"]
    assert api_client.post("/api/v1/scales/nope/score/", {"items": {}}, format="json").status_code == 404


def test_scale_definitions_list_every_scale_with_anchors(api_client, therapist_a):
    api_client.force_authenticate(therapist_a)
    scales = {s["code"]: s for s in api_client.get("/api/v1/scales/").json()}
    assert set(scales) == {"house_brackmann", "sunnybrook", "eface", "muscle_review", "sensation"}
    brow = next(i for i in scales["eface"]["items"] if i["code"] == "brow_rest")
    assert brow["anchors"]["low"].startswith("Lower") and brow["maximum"] == 200


def test_another_clinic_cannot_read_or_write_the_evaluation(api_client, therapist_b, draft_evaluation):
    api_client.force_authenticate(therapist_b)
    assert api_client.get(f"/api/v1/evaluations/{draft_evaluation.pk}/").status_code == 404
    response = api_client.patch(
        f"/api/v1/evaluations/{draft_evaluation.pk}/scales/eface/", {"items": {"brow_rest": 100}}, format="json"
    )
    assert response.status_code == 404
    assert AuditEvent.objects.filter(actor=therapist_b, outcome="denied", object_type="evaluation").count() == 2


def test_patients_do_not_read_evaluations_through_the_api(api_client, patient_a1, draft_evaluation):
    api_client.force_authenticate(patient_a1.user)
    assert api_client.get(f"/api/v1/evaluations/{draft_evaluation.pk}/").status_code == 404
    assert api_client.get(f"/api/v1/patients/{patient_a1.pk}/evaluations/").status_code == 403


def test_compare_api_reports_direction_of_change(api_client, therapist_a, two_signed_evaluations):
    first, second = two_signed_evaluations
    api_client.force_authenticate(therapist_a)
    body = api_client.get(f"/api/v1/evaluations/compare/?a={second.pk}&b={first.pk}").json()
    assert body["earlier"] == first.pk and body["days_between"] == 50
    sunnybrook = next(s for s in body["scales"] if s["code"] == "sunnybrook")
    composite = next(r for r in sunnybrook["scores"] if r["label"] == "Sunnybrook composite")
    assert composite["direction"] == "improved" and composite["delta"] == 35  # 25 → 60
    synkinesis = next(r for r in sunnybrook["scores"] if r["label"] == "Synkinesis score")
    assert synkinesis["direction"] == "worse"


def test_every_endpoint_of_the_area_is_in_the_openapi_schema(client, db):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    expected = [
        "/api/v1/patients/{patient_id}/evaluations/",
        "/api/v1/evaluations/{evaluation_id}/",
        "/api/v1/evaluations/{evaluation_id}/scales/{scale}/",
        "/api/v1/evaluations/{evaluation_id}/complete/",
        "/api/v1/evaluations/{evaluation_id}/report/",
        "/api/v1/evaluations/{evaluation_id}/fhir/",
        "/api/v1/evaluations/compare/",
        "/api/v1/scales/",
        "/api/v1/scales/{scale}/score/",
        "/api/v1/patients/{patient_id}/questionnaires/",
        "/api/v1/questionnaires/{assignment_id}/",
        "/api/v1/questionnaires/{assignment_id}/response/",
        "/api/v1/questionnaires/{assignment_id}/cancel/",
        "/api/v1/questionnaire-instruments/",
        "/api/v1/questionnaire-wording/{instrument}/",
        "/api/v1/patients/{patient_id}/progress/",
        "/api/v1/patients/{patient_id}/timeline/",
        "/api/v1/patients/{patient_id}/fhir/",
        "/api/v1/patients/{patient_id}/consents/",
        "/api/v1/patients/{patient_id}/toxin-injections/",
        "/api/v1/patients/{patient_id}/treatments/",
        "/api/v1/fhir/CodeSystem/{code_system_id}",
        "/api/v1/fhir/Questionnaire/{questionnaire_id}",
    ]
    missing = [p for p in expected if p not in paths]
    assert not missing
    patch = paths["/api/v1/evaluations/{evaluation_id}/scales/{scale}/"]["patch"]
    assert "requestBody" in patch
