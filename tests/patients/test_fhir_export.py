"""FHIR R4B export: the Bundle validates with fhir.resources, every reference resolves inside it,
local codes exist in the published CodeSystem, other areas' resources slot in, other clinics are refused."""

from __future__ import annotations

from datetime import date

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.questionnaire import Questionnaire

from clinic.models import AuditEvent
from patients import services as record_services
from patients.questionnaires import services as questionnaire_services
from patients.scales.questionnaires import FACE, SAQ

CONTRIBUTOR = "tests.patients.hooks_for_tests.care_plan_and_media"


def references(node) -> list[str]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(references(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(references(value))
    return found


def codings(node, system: str) -> set[str]:
    found = set()
    if isinstance(node, dict):
        if node.get("system") == system and "code" in node:
            found.add(node["code"])
        for value in node.values():
            found |= codings(value, system)
    elif isinstance(node, list):
        for value in node:
            found |= codings(value, system)
    return found


@pytest.fixture
def full_record(therapist_a, patient_a1, two_signed_evaluations):
    first, second = two_signed_evaluations
    patient_a1.onset_date = date(2026, 1, 5)
    patient_a1.date_of_birth = date(1980, 3, 4)
    patient_a1.sex = "female"
    patient_a1.save()
    for instrument, answers in (
        ("saq", {q.code: 2 for q in SAQ.questions}),
        ("face", {q.code: 3 for q in FACE.questions}),
    ):
        assignment = questionnaire_services.questionnaire_assign(
            actor=therapist_a, patient=patient_a1, instrument=instrument, evaluation=second
        )
        questionnaire_services.questionnaire_submit(actor=patient_a1.user, assignment=assignment, answers=answers)
    record_services.toxin_injection_record(
        actor=therapist_a,
        patient=patient_a1,
        given_on=date(2026, 3, 1),
        product="onabotulinumtoxinA",
        sites=[{"muscle": "orbicularis_oculi", "side": "left", "units": 2.5}],
    )
    record_services.treatment_record(
        actor=therapist_a,
        patient=patient_a1,
        kind="surgery",
        performed_on=date(2026, 2, 1),
        title="Gold weight",
        side="left",
    )
    return patient_a1, first, second


def export(api_client, therapist, url) -> dict:
    api_client.force_authenticate(therapist)
    response = api_client.get(url)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/fhir+json")
    return response.json()


def test_the_patient_bundle_validates_and_references_resolve(api_client, therapist_a, full_record, settings):
    settings.FHIR_CONTRIBUTORS = [CONTRIBUTOR]
    patient, first, second = full_record
    body = export(api_client, therapist_a, f"/api/v1/patients/{patient.pk}/fhir/")
    bundle = Bundle.model_validate(body)
    assert bundle.type == "collection"
    types = [entry["resource"]["resourceType"] for entry in body["entry"]]
    for expected in (
        "Patient",
        "Organization",
        "Practitioner",
        "Condition",
        "Encounter",
        "Observation",
        "QuestionnaireResponse",
        "Procedure",
        "CarePlan",
        "Media",
    ):
        assert expected in types, expected
    assert types.count("Encounter") == 2
    full_urls = {entry["fullUrl"] for entry in body["entry"]}
    unresolved = [ref for ref in references(body) if ref.startswith("urn:uuid:") and ref not in full_urls]
    assert unresolved == []
    assert AuditEvent.objects.filter(action="fhir.export", actor=therapist_a, patient_id=patient.pk).exists()


def test_scale_observations_carry_every_score_and_item_as_components(api_client, therapist_a, full_record):
    patient, first, second = full_record
    body = export(api_client, therapist_a, f"/api/v1/evaluations/{second.pk}/fhir/")
    observations = [e["resource"] for e in body["entry"] if e["resource"]["resourceType"] == "Observation"]
    sunnybrook = next(o for o in observations if o["code"]["coding"][0]["code"] == "sunnybrook")
    assert sunnybrook["valueInteger"] == 60 and sunnybrook["status"] == "final"
    codes = {c["code"]["coding"][0]["code"] for c in sunnybrook["component"]}
    assert {"sunnybrook.composite", "sunnybrook.resting", "sunnybrook.voluntary_snarl", "sunnybrook.rest_eye"} <= codes
    rest_eye = next(c for c in sunnybrook["component"] if c["code"]["coding"][0]["code"] == "sunnybrook.rest_eye")
    assert rest_eye["valueCodeableConcept"]["coding"][0]["code"] == "sunnybrook.rest_eye.narrow"
    eface = next(o for o in observations if o["code"]["coding"][0]["code"] == "eface")
    assert any("Provisional" in note["text"] for note in eface["note"])
    assert "eface-2015" in eface["method"]["text"]
    survey = [o for o in observations if o["category"][0]["coding"][0]["code"] == "survey"]
    assert {o["code"]["coding"][0]["code"] for o in survey} == {"saq", "face"}
    encounters = [e for e in body["entry"] if e["resource"]["resourceType"] == "Encounter"]
    assert len(encounters) == 1 and encounters[0]["resource"]["status"] == "finished"


def test_amended_scales_are_exported_as_amended(api_client, therapist_a, full_record):
    from patients.evaluations.services import evaluation_set_scale_items

    patient, first, second = full_record
    evaluation_set_scale_items(
        actor=therapist_a, evaluation=second, scale="house_brackmann", items={"grade": 2}, reason="Re-checked"
    )
    body = export(api_client, therapist_a, f"/api/v1/evaluations/{second.pk}/fhir/")
    hb = next(
        e["resource"]
        for e in body["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["code"] == "house_brackmann"
    )
    assert hb["status"] == "amended" and hb["valueInteger"] == 2


def test_every_local_code_is_in_the_published_codesystem(api_client, therapist_a, full_record, client):
    patient, first, second = full_record
    body = export(api_client, therapist_a, f"/api/v1/patients/{patient.pk}/fhir/")
    published = client.get("/api/v1/fhir/CodeSystem/facial-assessment").json()
    code_system = CodeSystem.model_validate(published)
    concepts = {concept.code for concept in code_system.concept}
    used = codings(body, published["url"])
    assert used and used <= concepts
    assert "http://hl7.org/fhir/sid/icd-10" in str(body)  # Bell's palsy carries its ICD-10 code
    assert published["count"] == len(concepts)


def test_questionnaires_are_published_and_responses_match_them(api_client, therapist_a, full_record, client):
    patient, first, second = full_record
    questionnaire = client.get("/api/v1/fhir/Questionnaire/face").json()
    Questionnaire.model_validate(questionnaire)
    body = export(api_client, therapist_a, f"/api/v1/patients/{patient.pk}/fhir/")
    response = next(
        e["resource"]
        for e in body["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
        and "Questionnaire/face" in e["resource"]["questionnaire"]
    )
    assert response["questionnaire"] == f"{questionnaire['url']}|{questionnaire['version']}"
    assert [item["linkId"] for item in response["item"]] == [item["linkId"] for item in questionnaire["item"]]
    allowed = {o["valueCoding"]["code"] for item in questionnaire["item"] for o in item["answerOption"]}
    assert all(item["answer"][0]["valueCoding"]["code"] in allowed for item in response["item"])
    assert client.get("/api/v1/fhir/Questionnaire/phq9").status_code == 404


def test_a_therapist_of_another_clinic_cannot_export(api_client, therapist_b, full_record):
    patient, first, second = full_record
    api_client.force_authenticate(therapist_b)
    assert api_client.get(f"/api/v1/patients/{patient.pk}/fhir/").status_code == 404
    assert api_client.get(f"/api/v1/evaluations/{second.pk}/fhir/").status_code == 404
    assert AuditEvent.objects.filter(actor=therapist_b, outcome="denied").count() == 2
    assert not AuditEvent.objects.filter(action="fhir.export", actor=therapist_b).exists()


def test_patients_and_clinic_admins_cannot_export(api_client, admin_a, full_record):
    patient, first, second = full_record
    for user in (patient.user, admin_a):
        api_client.force_authenticate(user)
        assert api_client.get(f"/api/v1/patients/{patient.pk}/fhir/").status_code == 403


def test_drafts_stay_out_of_the_patient_export(api_client, therapist_a, full_record):
    from patients.evaluations.services import evaluation_create

    patient, first, second = full_record
    evaluation_create(actor=therapist_a, patient=patient)
    body = export(api_client, therapist_a, f"/api/v1/patients/{patient.pk}/fhir/")
    assert sum(1 for e in body["entry"] if e["resource"]["resourceType"] == "Encounter") == 2


def test_an_invalid_contribution_fails_loudly(therapist_a, full_record, settings):
    from pydantic import ValidationError

    from patients.fhir.builder import build_bundle

    settings.FHIR_CONTRIBUTORS = ["tests.patients.test_fhir_export.broken_contributor"]
    patient, first, second = full_record
    with pytest.raises(ValidationError):
        build_bundle(patient, actor=therapist_a)


def broken_contributor(patient, context):
    return [{"resourceType": "Appointment", "id": context.resource_id("Appointment", 1), "participant": []}]
