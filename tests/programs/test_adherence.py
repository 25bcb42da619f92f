"""Adherence is computed against the schedule; the dashboard lists who needs attention."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sessions.models import PracticeLog, TightnessReport
from sessions.programs import adherence
from sessions.programs.dashboard import dashboard_for
from sessions.programs.dates import clinic_today
from tests.programs.helpers import active_program


def _log(program, key, day, status="done", session=1):
    item = program.items.get(version__exercise__key=key)
    return PracticeLog.objects.create(
        patient=program.patient, program=program, item=item, date=day, session=session, status=status
    )


def test_adherence_counts_done_partial_and_caps_at_the_dose(therapist_a, patient_a1):
    today = clinic_today(patient_a1.clinic)
    start = today - timedelta(days=3)
    # scalp glide once a day, masseter twice a day: 3 sessions a day.
    program = active_program(therapist_a, patient_a1, ["scalp-glide", "masseter-release"], start=start)
    _log(program, "scalp-glide", start)
    _log(program, "masseter-release", start, status="partial")
    _log(program, "masseter-release", start, session=2)
    days = adherence.days_for(patient_a1, start, start)
    assert days[0].target == 3 and days[0].credit == 2.5
    assert adherence.fraction(days) == pytest.approx(2.5 / 3)


def test_streaks_skip_rest_days_and_wait_for_today(therapist_a, patient_a1):
    today = clinic_today(patient_a1.clinic)
    start = today - timedelta(days=6)
    program = active_program(therapist_a, patient_a1, ["scalp-glide"], start=start, days_per_week=7)
    for offset in (0, 1, 3, 4, 5):  # day 2 missed, today not yet
        _log(program, "scalp-glide", start + timedelta(days=offset))
    days = adherence.days_for(patient_a1, start, today)
    streaks = adherence.streaks(days, today=today)
    assert streaks.current == 3 and streaks.longest == 3


def test_the_dashboard_flags_low_adherence_and_rising_tightness(therapist_a, patient_a1):
    today = clinic_today(patient_a1.clinic)
    start = today - timedelta(days=14)
    program = active_program(therapist_a, patient_a1, ["scalp-glide"], start=start)
    _log(program, "scalp-glide", today - timedelta(days=2))
    for offset, value in ((13, 2), (11, 2), (9, 3), (5, 5), (3, 6), (1, 6)):
        TightnessReport.objects.create(
            patient=patient_a1, program=program, date=today - timedelta(days=offset), value=value
        )
    kinds = {a["kind"]: a for a in dashboard_for(therapist_a).alerts}
    assert "low_adherence" in kinds and "14%" in kinds["low_adherence"]["message"]
    assert "rising_tightness" in kinds and "2.3 → 5.7" in kinds["rising_tightness"]["message"]


def test_good_practice_raises_no_alert(therapist_a, patient_a1):
    today = clinic_today(patient_a1.clinic)
    start = today - timedelta(days=8)
    program = active_program(therapist_a, patient_a1, ["scalp-glide"], start=start)
    for offset in range(1, 9):
        _log(program, "scalp-glide", today - timedelta(days=offset))
    assert not [a for a in dashboard_for(therapist_a).alerts if a["kind"] in ("low_adherence", "rising_tightness")]


def test_the_dashboard_shows_alerts_from_other_areas(client_of, settings, therapist_a, patient_a1, patient_b1):
    settings.DASHBOARD_ALERT_PROVIDERS = ["tests.programs.test_adherence.questionnaire_alerts"]
    page = client_of(therapist_a).get("/therapy/dashboard/").content.decode()
    assert "SAQ questionnaire overdue" in page
    assert patient_b1.full_name not in page  # another clinic's patient never shows


def questionnaire_alerts(therapist):
    from patients.models import Patient

    return [
        {
            "patient": p,
            "kind": "questionnaire_overdue",
            "severity": "warn",
            "message": "SAQ questionnaire overdue",
            "url": "/",
        }
        for p in Patient.objects.all()
    ]


def test_weekly_series_feed_the_progress_page(therapist_a, patient_a1):
    from sessions.programs.hooks import progress_series

    today = clinic_today(patient_a1.clinic)
    program = active_program(therapist_a, patient_a1, ["scalp-glide"], start=today - timedelta(days=6))
    for offset in range(0, 7, 2):
        _log(program, "scalp-glide", today - timedelta(days=offset))
    series = {s["key"]: s for s in progress_series(patient_a1)}
    assert series["home_program.adherence"]["points"][-1]["value"] == pytest.approx(4 / 7 * 100, abs=0.1)
    assert series["home_program.tightness"]["higher_is_better"] is False


def test_the_dashboard_does_not_query_per_patient(therapist_a, clinic_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.harness.people import make_patient

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            dashboard_for(therapist_a)
        return len(captured)

    for n in range(2):
        patient = make_patient(clinic_a, f"p{n}@a.test", "P", f"N{n}", record_number=f"Q-{n}", care_team=[therapist_a])
        active_program(therapist_a, patient, ["scalp-glide", "masseter-release"])
    few = queries()
    for n in range(2, 6):
        patient = make_patient(clinic_a, f"p{n}@a.test", "P", f"N{n}", record_number=f"Q-{n}", care_team=[therapist_a])
        active_program(therapist_a, patient, ["scalp-glide", "masseter-release"])
    assert queries() == few
