"""A patient cannot see or change another patient's program, through the API or the pages."""

from __future__ import annotations

import pytest

from clinic.models import AuditEvent
from sessions.models import PracticeLog
from tests.programs.helpers import active_program


@pytest.fixture
def two_programs(therapist_a, therapist_a2, patient_a1, patient_a2):
    mine = active_program(therapist_a, patient_a1, ["scalp-glide", "masseter-release"])
    theirs = active_program(therapist_a2, patient_a2, ["scalp-glide", "eye-protection"])
    return mine, theirs


def test_the_api_hides_another_patients_program(api_client, two_programs, patient_a1, patient_a2):
    _, theirs = two_programs
    api_client.force_authenticate(patient_a1.user)
    assert api_client.get(f"/api/v1/programs/{theirs.pk}/").status_code == 404
    assert api_client.get(f"/api/v1/patients/{patient_a2.pk}/programs/").status_code == 404
    assert api_client.get(f"/api/v1/patients/{patient_a2.pk}/adherence/").status_code == 404
    assert api_client.get(f"/api/v1/patients/{patient_a2.pk}/appointments/").status_code == 404
    denied = AuditEvent.objects.filter(actor=patient_a1.user, outcome="denied")
    assert denied.filter(object_type="program", object_id=str(theirs.pk)).exists()


def test_the_api_refuses_changes_to_another_patients_program(api_client, two_programs, patient_a1):
    _, theirs = two_programs
    their_item = theirs.items.first()
    api_client.force_authenticate(patient_a1.user)
    logged = api_client.post("/api/v1/me/practice-logs/", {"item_id": their_item.pk, "status": "done"}, format="json")
    assert logged.status_code == 404
    assert api_client.patch(f"/api/v1/programs/{theirs.pk}/", {"title": "x"}, format="json").status_code == 404
    assert api_client.patch(f"/api/v1/program-items/{their_item.pk}/", {"reps": 1}, format="json").status_code == 404
    assert api_client.delete(f"/api/v1/program-items/{their_item.pk}/").status_code == 404
    assert PracticeLog.objects.filter(program=theirs).count() == 0


def test_a_patient_cannot_edit_even_their_own_program(api_client, two_programs, patient_a1):
    mine, _ = two_programs
    api_client.force_authenticate(patient_a1.user)
    assert api_client.patch(f"/api/v1/programs/{mine.pk}/", {"title": "x"}, format="json").status_code == 403
    assert api_client.get(f"/api/v1/programs/{mine.pk}/").status_code == 200


def test_the_pages_hide_another_patients_practice(client_of, two_programs, patient_a1):
    mine, theirs = two_programs
    client = client_of(patient_a1.user)
    assert client.get(f"/portal/practice/{mine.items.first().pk}/").status_code == 200
    their_item = theirs.items.first()
    assert client.get(f"/portal/practice/{their_item.pk}/").status_code == 404
    assert client.post(f"/portal/practice/{their_item.pk}/", {"status": "done"}).status_code == 404
    assert PracticeLog.objects.filter(program=theirs).count() == 0
    # Therapist pages are not for patients at all.
    assert client.get(f"/therapy/programs/{theirs.pk}/").status_code == 403
    assert client.get(f"/therapy/programs/{mine.pk}/handout.pdf").status_code == 403
    home = client.get("/portal/").content.decode()
    assert "Eye" not in home.split("Today's practice")[1].split("How tight")[0]  # only their own items


def test_drafts_stay_hidden_from_the_patient(api_client, therapist_a, patient_a1):
    from sessions.programs import services

    draft = services.program_create(actor=therapist_a, patient=patient_a1, title="Next month")
    api_client.force_authenticate(patient_a1.user)
    assert api_client.get(f"/api/v1/programs/{draft.pk}/").status_code == 404


def test_another_clinics_therapist_sees_nothing(api_client, client_of, two_programs, therapist_b):
    mine, _ = two_programs
    api_client.force_authenticate(therapist_b)
    assert api_client.get(f"/api/v1/programs/{mine.pk}/").status_code == 404
    assert client_of(therapist_b).get(f"/therapy/programs/{mine.pk}/").status_code == 404
    assert client_of(therapist_b).get(f"/therapy/patients/{mine.patient_id}/program/").status_code == 404
