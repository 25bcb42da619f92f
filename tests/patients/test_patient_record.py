"""The patient record: create and edit, stage history, consent, toxin log and other treatments."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from clinic.errors import DomainError
from clinic.models import AuditEvent
from patients import services
from patients.models import Consent, Patient, StageChange, ToxinInjection


def test_a_therapist_adds_a_patient_from_the_caseload(client_of, therapist_a, therapist_a2):
    client = client_of(therapist_a)
    assert "New patient" in client.get("/patients/").content.decode()
    response = client.post(
        "/patients/new/",
        {
            "record_number": "A-777",
            "first_name": "Noor",
            "last_name": "Haddad",
            "date_of_birth": "1990-05-01",
            "sex": "female",
            "etiology": "ramsay_hunt",
            "etiology_detail": "Vesicles in the ear canal",
            "affected_side": "right",
            "onset_date": (timezone.localdate() - timedelta(days=20)).isoformat(),
            "stage": "1",
            "history": "Type 2 diabetes.",
            "care_team": [therapist_a.pk, therapist_a2.pk],
        },
    )
    patient = Patient.objects.get(record_number="A-777")
    assert response.status_code == 302 and response["Location"] == f"/patients/{patient.pk}/"
    assert set(patient.care_team.all()) == {therapist_a, therapist_a2}
    assert patient.clinic == therapist_a.clinic and patient.history == "Type 2 diabetes."
    assert StageChange.objects.get(patient=patient).to_stage == 1
    html = client.get(f"/patients/{patient.pk}/").content.decode()
    assert "Vesicles in the ear canal" in html and "Ramsay Hunt" in html and "20 days ago" in html


def test_the_form_refuses_a_duplicate_record_number_and_impossible_dates(client_of, therapist_a, patient_a1):
    client = client_of(therapist_a)
    base = {"first_name": "X", "last_name": "Y", "etiology": "bells_palsy", "affected_side": "left", "stage": "1"}
    response = client.post("/patients/new/", {**base, "record_number": patient_a1.record_number})
    assert response.status_code == 200 and "already" in response.content.decode()
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post("/patients/new/", {**base, "record_number": "A-900", "onset_date": future})
    assert "The onset date is in the future." in response.content.decode()
    assert not Patient.objects.filter(record_number="A-900").exists()


def test_editing_the_stage_keeps_its_history(client_of, therapist_a, patient_a1):
    client = client_of(therapist_a)
    response = client.post(f"/patients/{patient_a1.pk}/stage/", {"stage": "3", "note": "Synkinesis established"})
    assert response.status_code == 302
    change = StageChange.objects.get(patient=patient_a1)
    assert (change.from_stage, change.to_stage, change.note) == (2, 3, "Synkinesis established")
    client.post(
        f"/patients/{patient_a1.pk}/edit/",
        {
            "record_number": patient_a1.record_number,
            "first_name": "Pat",
            "last_name": "One",
            "etiology": "bells_palsy",
            "affected_side": "left",
            "stage": "3",
            "history": "Recurrent palsy (second episode).",
            "care_team": [therapist_a.pk],
        },
    )
    patient_a1.refresh_from_db()
    assert patient_a1.history == "Recurrent palsy (second episode)."
    assert StageChange.objects.filter(patient=patient_a1).count() == 1  # the stage did not change again


def test_consent_is_recorded_and_withdrawn(client_of, therapist_a, patient_a1):
    client = client_of(therapist_a)
    client.post(
        f"/patients/{patient_a1.pk}/consents/",
        {"kind": "photography", "granted": "1", "method": "written", "given_on": timezone.localdate().isoformat()},
    )
    consent = Consent.objects.get(patient=patient_a1)
    assert services.consent_in_force(patient_a1, "photography")
    client.post(f"/patients/{patient_a1.pk}/consents/{consent.pk}/withdraw/")
    assert not services.consent_in_force(patient_a1, "photography")
    assert AuditEvent.objects.filter(action="consent.withdraw", patient_id=patient_a1.pk).exists()
    html = client.get(f"/patients/{patient_a1.pk}/").content.decode()
    assert "Withdrawn" in html


def test_the_toxin_log_records_muscles_units_and_sides(client_of, therapist_a, patient_a1):
    client = client_of(therapist_a)
    response = client.post(
        f"/patients/{patient_a1.pk}/treatments/",
        {
            "form": "toxin",
            "given_on": "2026-03-02",
            "product": "onabotulinumtoxinA",
            "site-0-muscle": "orbicularis_oculi",
            "site-0-side": "left",
            "site-0-units": "2.5",
            "site-1-muscle": "platysma",
            "site-1-side": "left",
            "site-1-units": "10",
            "site-2-muscle": "",
            "site-2-side": "left",
            "site-2-units": "",
        },
    )
    assert response.status_code == 302
    injection = ToxinInjection.objects.get(patient=patient_a1)
    assert injection.total_units == 12.5
    assert sorted((s.muscle, s.side, float(s.units)) for s in injection.sites.all()) == [
        ("orbicularis_oculi", "left", 2.5),
        ("platysma", "left", 10.0),
    ]
    html = client.get(f"/patients/{patient_a1.pk}/treatments/").content.decode()
    assert "Orbicularis oculi" in html and "12.5 U" in html


def test_toxin_lines_without_a_side_or_with_absurd_units_are_refused(client_of, therapist_a, patient_a1):
    client = client_of(therapist_a)
    response = client.post(
        f"/patients/{patient_a1.pk}/treatments/",
        {
            "form": "toxin",
            "given_on": "2026-03-02",
            "product": "x",
            "site-0-muscle": "mentalis",
            "site-0-side": "",
            "site-0-units": "2",
        },
    )
    assert response.status_code == 200 and "Line 1: choose the side." in response.content.decode()
    with pytest.raises(DomainError):
        services.toxin_injection_record(
            actor=therapist_a,
            patient=patient_a1,
            given_on=date(2026, 3, 2),
            product="x",
            sites=[{"muscle": "mentalis", "side": "left", "units": 900}],
        )
    assert not ToxinInjection.objects.exists()


def test_the_record_api_creates_and_lists(api_client, therapist_a, patient_a1):
    api_client.force_authenticate(therapist_a)
    response = api_client.post(
        f"/api/v1/patients/{patient_a1.pk}/toxin-injections/",
        {
            "given_on": "2026-04-01",
            "product": "incobotulinumtoxinA",
            "sites": [{"muscle": "mentalis", "side": "left", "units": "2.5"}],
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["total_units"] == "2.5"
    response = api_client.post(
        f"/api/v1/patients/{patient_a1.pk}/treatments/",
        {"kind": "surgery", "performed_on": "2026-01-10", "title": "Cross-facial nerve graft", "side": "left"},
        format="json",
    )
    assert response.status_code == 201
    response = api_client.post(
        f"/api/v1/patients/{patient_a1.pk}/consents/", {"kind": "emg", "granted": True}, format="json"
    )
    assert response.status_code == 201 and response.json()["in_force"] is True
    patch = api_client.patch(
        f"/api/v1/patients/{patient_a1.pk}/", {"stage": 3, "history": "Ear surgery 2019"}, format="json"
    )
    assert patch.status_code == 200 and patch.json()["stage"] == 3
    assert StageChange.objects.filter(patient=patient_a1, to_stage=3).exists()


def test_other_clinics_cannot_touch_the_record(api_client, therapist_b, patient_a1):
    api_client.force_authenticate(therapist_b)
    assert api_client.get(f"/api/v1/patients/{patient_a1.pk}/toxin-injections/").status_code == 404
    response = api_client.post(
        f"/api/v1/patients/{patient_a1.pk}/consents/", {"kind": "emg", "granted": True}, format="json"
    )
    assert response.status_code == 404
    assert not Consent.objects.exists()
