"""The portal home: today's plan, streak, next appointment, and the sections other areas register."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from sessions.followup import services as followup
from tests.programs.helpers import active_program


def portal_section(patient, request):
    return {"order": 5, "template": "therapy/portal/_test_section.html", "context": {"what": "SAQ due"}}


def test_the_portal_home_shows_today_and_other_areas_sections(client_of, settings, therapist_a, patient_a1, tmp_path):
    settings.PORTAL_SECTIONS = ["tests.programs.test_portal_pages.portal_section"]
    template_dir = tmp_path / "therapy" / "portal"
    template_dir.mkdir(parents=True)
    (template_dir / "_test_section.html").write_text('<section class="card">{{ section.what }}</section>')
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]
    active_program(therapist_a, patient_a1, ["scalp-glide", "masseter-release"])
    followup.appointment_create(
        actor=therapist_a, patient=patient_a1, starts_at=timezone.now() + timedelta(days=3), location="Room B"
    )
    page = client_of(patient_a1.user).get("/portal/").content.decode()
    assert "Hello Pat" in page and "Scalp glide" in page and "Jaw muscle massage" in page
    assert "Room B" in page and "SAQ due" in page


def test_the_history_page_shows_the_calendar(client_of, therapist_a, patient_a1):
    active_program(therapist_a, patient_a1, ["scalp-glide"])
    page = client_of(patient_a1.user).get("/portal/history/")
    assert page.status_code == 200 and b"day streak" in page.content


def test_times_are_shown_in_the_clinics_time_zone(client_of, therapist_a, patient_a1, clinic_a):
    from datetime import datetime, time

    from sessions.programs.dates import clinic_today, clinic_zone

    clinic_a.timezone = "America/New_York"
    clinic_a.save()
    patient_a1.clinic.refresh_from_db()
    day = clinic_today(clinic_a) + timedelta(days=2)
    followup.appointment_create(
        actor=therapist_a,
        patient=patient_a1,
        starts_at=datetime.combine(day, time(10, 30), tzinfo=clinic_zone(clinic_a)),
    )
    page = client_of(patient_a1.user).get("/portal/").content.decode()
    assert "10:30" in page and "15:30" not in page
