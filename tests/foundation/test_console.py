from __future__ import annotations

from clinic.models import AuditEvent, Chair


def test_therapists_and_patients_cannot_open_the_console(client_of, therapist_a, patient_a1):
    for user in (therapist_a, patient_a1.user):
        assert client_of(user).get("/console/people/").status_code == 403
    assert AuditEvent.objects.filter(outcome="denied", object_type="page").count() == 2


def test_admin_lists_only_own_clinic_people(client_of, admin_a, therapist_a, therapist_b):
    page = client_of(admin_a).get("/console/people/").content.decode()
    assert therapist_a.email in page and therapist_b.email not in page


def test_admin_adds_chairs_and_edits_clinic_settings(client_of, admin_a, clinic_a):
    client = client_of(admin_a)
    client.post("/console/chairs/new/", {"chair-name": "Chair 3", "chair-room": "Room C"})
    assert Chair.objects.filter(clinic=clinic_a, name="Chair 3").exists()
    response = client.post(
        "/console/settings/",
        {
            "name": "Clinic A (north)",
            "timezone": "America/Chicago",
            "mains_frequency_hz": 60,
            "tightness_alert_threshold": 7,
            "contact_email": "",
            "phone": "",
        },
    )
    assert response.status_code == 302
    clinic_a.refresh_from_db()
    assert clinic_a.mains_frequency_hz == 60 and clinic_a.timezone == "America/Chicago"
    assert AuditEvent.objects.filter(action="clinic.update").exists()


def test_clinic_settings_reject_bad_values(client_of, admin_a, clinic_a):
    response = client_of(admin_a).post(
        "/console/settings/",
        {
            "name": "A",
            "timezone": "Mars/Olympus",
            "mains_frequency_hz": 55,
            "tightness_alert_threshold": 11,
        },
    )
    errors = response.context["form"].errors
    assert {"timezone", "mains_frequency_hz", "tightness_alert_threshold"} <= set(errors)
    clinic_a.refresh_from_db()
    assert clinic_a.timezone == "Europe/London"
