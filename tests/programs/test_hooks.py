"""What this area adds to the patient record: tabs and timeline entries."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from sessions.followup import services as followup
from sessions.programs.practice import tightness_report
from tests.programs.helpers import active_program


def test_the_patient_page_has_the_home_program_and_follow_up_tabs(client_of, therapist_a, patient_a1):
    page = client_of(therapist_a).get(f"/patients/{patient_a1.pk}/").content.decode()
    assert f'href="/therapy/patients/{patient_a1.pk}/program/"' in page
    assert f'href="/therapy/patients/{patient_a1.pk}/followup/"' in page


def test_the_timeline_shows_programs_tight_days_and_visits(client_of, therapist_a, patient_a1):
    active_program(therapist_a, patient_a1, ["scalp-glide", "masseter-release"])
    tightness_report(actor=patient_a1.user, patient=patient_a1, value=9)
    followup.appointment_create(actor=therapist_a, patient=patient_a1, starts_at=timezone.now() + timedelta(days=1))
    page = client_of(therapist_a).get(f"/patients/{patient_a1.pk}/timeline/").content.decode()
    assert "Home program given" in page
    assert "Tight day: switched to release work" in page
    assert "Therapy visit (scheduled)" in page
