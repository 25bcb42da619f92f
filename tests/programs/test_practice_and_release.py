"""Logging practice; tightness at or above the threshold switches the day to release work and flags it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clinic.errors import DomainError
from sessions.models import ReleaseDay
from sessions.programs import services
from sessions.programs.dates import clinic_today
from sessions.programs.practice import day_plan, practice_log, tightness_report
from tests.programs.helpers import active_program

KEYS = ["smile-happy-thought", "brow-surprise", "masseter-release", "gentle-face-massage", "eye-protection"]


@pytest.fixture
def program(therapist_a, patient_a1):
    return active_program(therapist_a, patient_a1, KEYS)


def item(program, key):
    return program.items.get(version__exercise__key=key)


def test_a_log_counts_toward_todays_dose_and_stops_at_the_dose(program, patient_a1):
    smile = item(program, "smile-happy-thought")  # twice a day
    user = patient_a1.user
    practice_log(actor=user, item=smile, status="done", difficulty=2)
    practice_log(actor=user, item=smile, status="partial")
    plan = day_plan(program, clinic_today(program.clinic))
    entry = next(e for e in plan.entries if e.item == smile)
    assert entry.sessions_done == 2 and entry.complete
    with pytest.raises(DomainError) as full:
        practice_log(actor=user, item=smile, status="done")
    assert full.value.code == "complete"


def test_high_tightness_switches_today_to_the_release_plan(program, patient_a1):
    today = clinic_today(program.clinic)
    before = {e.item.version.kind for e in day_plan(program, today).entries}
    assert "movement" in before
    result = practice_log(
        actor=patient_a1.user, item=item(program, "smile-happy-thought"), status="partial", tightness=8
    )
    assert result.release is not None and result.release.tightness == 8
    plan = day_plan(program, today)
    assert plan.is_release_day
    assert {e.item.version.kind for e in plan.entries} <= {"release", "care"}
    assert {i.version.exercise.key for i in plan.paused} == {"smile-happy-thought", "brow-surprise"}
    assert ReleaseDay.objects.filter(patient=patient_a1, acknowledged_at__isnull=True).count() == 1
    # Tomorrow is a normal day again.
    assert not day_plan(program, today + timedelta(days=1)).is_release_day


def test_tightness_below_the_threshold_changes_nothing(program, patient_a1):
    assert program.effective_threshold == 6
    assert tightness_report(actor=patient_a1.user, patient=patient_a1, value=5) is None
    assert not day_plan(program, clinic_today(program.clinic)).is_release_day


def test_the_program_can_set_its_own_threshold(program, therapist_a, patient_a1):
    services.program_update(actor=therapist_a, program=program, tightness_threshold=4)
    program.refresh_from_db()
    assert tightness_report(actor=patient_a1.user, patient=patient_a1, value=4) is not None


def test_the_clinic_default_threshold_applies(program, patient_a1, clinic_a):
    clinic_a.tightness_alert_threshold = 9
    clinic_a.save()
    assert tightness_report(actor=patient_a1.user, patient=patient_a1, value=8) is None


def test_practice_cannot_be_logged_for_tomorrow_or_long_ago(program, patient_a1):
    today = clinic_today(program.clinic)
    smile = item(program, "smile-happy-thought")
    with pytest.raises(DomainError):
        practice_log(actor=patient_a1.user, item=smile, status="done", day=today + timedelta(days=1))
    with pytest.raises(DomainError):
        practice_log(actor=patient_a1.user, item=smile, status="done", day=today - timedelta(days=30))


def test_the_api_logs_practice_and_returns_the_release_plan(api_client, program, patient_a1):
    api_client.force_authenticate(patient_a1.user)
    smile = item(program, "smile-happy-thought")
    logged = api_client.post(
        "/api/v1/me/practice-logs/",
        {"item_id": smile.pk, "status": "done", "difficulty": 3, "tightness": 9},
        format="json",
    )
    assert logged.status_code == 201 and logged.json()["release_day"] is True
    today = api_client.get("/api/v1/me/today/").json()
    assert today["release_day"] is True
    assert "Happy-thought smile" in today["paused"]
    assert all(e["kind"] in ("release", "care") for e in today["entries"])


def test_the_therapist_acknowledges_the_flag(client_of, program, patient_a1, therapist_a):
    release = tightness_report(actor=patient_a1.user, patient=patient_a1, value=7)
    client = client_of(therapist_a)
    assert b"reported tightness" in client.get("/therapy/dashboard/").content
    client.post(f"/therapy/release-days/{release.pk}/ack/", {"note": "Called; advised release only."})
    release.refresh_from_db()
    assert release.acknowledged_by == therapist_a
    assert b"No open tightness flags" in client.get("/therapy/dashboard/").content


def test_acknowledging_never_redirects_off_site(client_of, program, patient_a1, therapist_a):
    release = tightness_report(actor=patient_a1.user, patient=patient_a1, value=7)
    response = client_of(therapist_a).post(f"/therapy/release-days/{release.pk}/ack/", {"next": "//evil.example/x"})
    assert response["Location"] == "/therapy/dashboard/"


def test_acknowledging_the_latest_flag_closes_the_earlier_open_days(client_of, program, patient_a1, therapist_a):
    today = clinic_today(program.clinic)
    tightness_report(actor=patient_a1.user, patient=patient_a1, value=8, day=today - timedelta(days=2))
    latest = tightness_report(actor=patient_a1.user, patient=patient_a1, value=7)
    page = client_of(therapist_a).get("/therapy/dashboard/").content.decode()
    assert page.count('class="alert-row alert-danger"') == 1 and "1 earlier tight day open" in page
    client_of(therapist_a).post(f"/therapy/release-days/{latest.pk}/ack/")
    assert not ReleaseDay.objects.filter(patient=patient_a1, acknowledged_at__isnull=True).exists()
