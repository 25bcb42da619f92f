"""The library, practice log, adherence and dashboard through the API; the therapist's pages render."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from sessions.followup import services as followup
from sessions.programs.practice import practice_log
from tests.programs.helpers import active_program, exercise


def test_the_library_is_listed_filtered_and_versioned_through_the_api(api_client, therapist_a, clinic_a):
    api_client.force_authenticate(therapist_a)
    release = api_client.get("/api/v1/exercises/", {"category": "release", "stage": "1"}).json()
    assert release and all(e["current"]["category"] == "release" and 1 in e["current"]["stages"] for e in release)
    glide = exercise(clinic_a, "scalp-glide")
    changed = api_client.patch(f"/api/v1/exercises/{glide.pk}/", {"reps": 2, "change_note": "shorter"}, format="json")
    assert changed.status_code == 200 and changed.json()["current"]["number"] == 2
    created = api_client.post(
        "/api/v1/exercises/",
        {
            "title": "Lip press",
            "category": "resistance",
            "kind": "movement",
            "area": "mouth",
            "steps": ["Press the lips together gently.", "Let go slowly."],
            "stages": [3, 4],
        },
        format="json",
    )
    assert created.status_code == 201 and created.json()["current"]["kind"] == "movement"


def test_patients_do_not_read_the_library_api(api_client, patient_a1):
    api_client.force_authenticate(patient_a1.user)
    assert api_client.get("/api/v1/exercises/").status_code == 403


def test_the_therapist_reads_practice_and_adherence(api_client, therapist_a, patient_a1):
    program = active_program(therapist_a, patient_a1, ["scalp-glide"])
    practice_log(actor=patient_a1.user, item=program.items.get(), status="done", tightness=2, note="easy today")
    api_client.force_authenticate(therapist_a)
    logs = api_client.get(f"/api/v1/patients/{patient_a1.pk}/practice-logs/").json()["results"]
    assert logs[0]["note"] == "easy today" and logs[0]["tightness"] == 2
    adherence = api_client.get(f"/api/v1/patients/{patient_a1.pk}/adherence/").json()
    assert adherence["current_streak"] == 1 and adherence["days"][-1]["credit"] == 1
    assert api_client.get("/api/v1/dashboard/").status_code == 200


def test_the_therapist_pages_render(client_of, therapist_a, patient_a1, clinic_a):
    active_program(therapist_a, patient_a1, ["scalp-glide"])
    followup.appointment_create(actor=therapist_a, patient=patient_a1, starts_at=timezone.now() + timedelta(hours=3))
    client = client_of(therapist_a)
    for url in (
        "/therapy/library/",
        "/therapy/library/?category=release&stage=1",
        f"/therapy/library/{exercise(clinic_a, 'scalp-glide').pk}/",
        "/therapy/templates/",
        f"/therapy/patients/{patient_a1.pk}/program/",
        f"/therapy/patients/{patient_a1.pk}/followup/",
        "/therapy/appointments/",
        "/therapy/dashboard/?scope=clinic",
    ):
        assert client.get(url).status_code == 200, url
    assert patient_a1.full_name in client.get("/therapy/appointments/").content.decode()
