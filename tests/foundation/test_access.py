"""Therapists see only their clinic; patients only themselves; every read and refusal is audited."""

from __future__ import annotations

import pytest

from clinic.models import AuditEvent


def test_therapist_opens_own_clinics_patient_and_the_read_is_audited(client_of, therapist_a, patient_a1):
    response = client_of(therapist_a).get(f"/patients/{patient_a1.pk}/")
    assert response.status_code == 200
    assert patient_a1.full_name in response.content.decode()
    event = AuditEvent.objects.get(action="patient.view", actor=therapist_a)
    assert event.patient_id == patient_a1.pk
    assert event.outcome == "ok"
    assert event.clinic_id == therapist_a.clinic_id
    assert event.ip == "127.0.0.1"


def test_therapist_of_another_clinic_gets_404_without_details(client_of, therapist_b, patient_a1):
    response = client_of(therapist_b).get(f"/patients/{patient_a1.pk}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert patient_a1.last_name not in body and patient_a1.record_number not in body
    denied = AuditEvent.objects.get(actor=therapist_b, outcome="denied")
    assert denied.object_type == "patient" and denied.object_id == str(patient_a1.pk)


def test_therapist_of_another_clinic_gets_404_from_the_api(api_client, therapist_b, patient_a1):
    api_client.force_authenticate(therapist_b)
    response = api_client.get(f"/api/v1/patients/{patient_a1.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert patient_a1.last_name not in response.content.decode()
    assert AuditEvent.objects.filter(actor=therapist_b, outcome="denied", object_id=str(patient_a1.pk)).exists()


def test_therapist_list_shows_only_own_clinic(api_client, therapist_b, patient_a1, patient_b1):
    api_client.force_authenticate(therapist_b)
    ids = [p["id"] for p in api_client.get("/api/v1/patients/").json()["results"]]
    assert ids == [patient_b1.pk]
    assert AuditEvent.objects.filter(actor=therapist_b, action="patient.list").count() == 1


def test_patient_sees_only_their_own_record(api_client, patient_a1, patient_a2):
    api_client.force_authenticate(patient_a1.user)
    assert api_client.get(f"/api/v1/patients/{patient_a1.pk}/").status_code == 200
    assert api_client.get(f"/api/v1/patients/{patient_a2.pk}/").status_code == 404
    ids = [p["id"] for p in api_client.get("/api/v1/patients/").json()["results"]]
    assert ids == [patient_a1.pk]
    assert AuditEvent.objects.filter(actor=patient_a1.user, outcome="denied", object_id=str(patient_a2.pk)).exists()


def test_patient_cannot_open_therapist_pages(client_of, patient_a1, patient_a2):
    client = client_of(patient_a1.user)
    assert client.get(f"/patients/{patient_a2.pk}/").status_code == 403
    assert client.get("/patients/").status_code == 403
    assert AuditEvent.objects.filter(actor=patient_a1.user, outcome="denied").count() == 2


def test_clinic_admin_manages_accounts_but_does_not_read_clinical_records(client_of, admin_a, patient_a1):
    client = client_of(admin_a)
    assert client.get(f"/patients/{patient_a1.pk}/").status_code == 403
    assert client.get("/console/people/").status_code == 200


@pytest.mark.parametrize("path", ["/patients/", "/portal/", "/console/people/", "/console/audit/"])
def test_anonymous_users_are_sent_to_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_anonymous_api_calls_get_401_with_a_reason(api_client, db):
    response = api_client.get("/api/v1/patients/")
    assert response.status_code == 401
    assert response.json()["error"]["message"]


def test_malformed_ids_are_refused_like_missing_ones(therapist_a):
    from patients.access import NotFoundOrDenied, access_patient

    with pytest.raises(NotFoundOrDenied):
        access_patient(therapist_a, "1 OR 1=1")
    assert AuditEvent.objects.filter(actor=therapist_a, outcome="denied", object_id="1 OR 1=1").exists()


def test_deactivated_therapist_sees_nothing(therapist_a, patient_a1):
    from patients.access import patients_visible_to

    therapist_a.is_active = False
    therapist_a.save()
    assert not patients_visible_to(therapist_a).exists()
