"""Follow-up plan: frequency, reviews, goals with target scores, appointments, discharge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clinic.errors import DomainError
from sessions.followup import services
from sessions.models import Appointment, FollowUpPlan
from tests.programs.helpers import active_program


def test_a_weekly_series_of_visits_is_booked_at_the_plan_frequency(therapist_a, patient_a1):
    services.followup_plan_save(actor=therapist_a, patient=patient_a1, frequency="weekly")
    first = timezone.now() + timedelta(days=1)
    booked = services.appointment_series(actor=therapist_a, patient=patient_a1, first_starts_at=first, count=4)
    gaps = {(b.starts_at - a.starts_at).days for a, b in zip(booked, booked[1:], strict=False)}
    assert gaps == {7} and len(booked) == 4


def test_goals_show_the_latest_measure_against_the_target(client_of, therapist_a, patient_a1):
    services.followup_goal_add(
        actor=therapist_a,
        patient=patient_a1,
        description="Practise most days",
        measure_key="home_program.adherence",
        measure_label="Adherence",
        target_value=80,
    )
    with pytest.raises(DomainError):
        services.followup_goal_add(
            actor=therapist_a, patient=patient_a1, description="x", measure_key="home_program.adherence"
        )
    page = client_of(therapist_a).get(f"/therapy/patients/{patient_a1.pk}/followup/")
    assert page.status_code == 200 and b"Practise most days" in page.content and b"target 80" in page.content


def test_discharge_needs_an_active_final_plan_and_cancels_future_visits(therapist_a, patient_a1):
    program = active_program(therapist_a, patient_a1, ["scalp-glide"])
    visit = services.appointment_create(
        actor=therapist_a, patient=patient_a1, starts_at=timezone.now() + timedelta(days=5)
    )
    with pytest.raises(DomainError):
        services.followup_discharge(actor=therapist_a, patient=patient_a1, summary="")
    plan = services.followup_discharge(
        actor=therapist_a, patient=patient_a1, summary="Goals met; maintenance.", final_program=program
    )
    assert plan.status == FollowUpPlan.Status.DISCHARGED and plan.final_program == program
    visit.refresh_from_db()
    assert visit.status == Appointment.Status.CANCELLED
    with pytest.raises(DomainError):
        services.appointment_create(actor=therapist_a, patient=patient_a1, starts_at=timezone.now())


def test_a_future_visit_cannot_be_marked_attended(therapist_a, patient_a1):
    visit = services.appointment_create(
        actor=therapist_a, patient=patient_a1, starts_at=timezone.now() + timedelta(days=1)
    )
    with pytest.raises(DomainError):
        services.appointment_set_status(actor=therapist_a, appointment=visit, status="attended")


def test_the_api_plans_follow_up(api_client, therapist_a, patient_a1):
    api_client.force_authenticate(therapist_a)
    url = f"/api/v1/patients/{patient_a1.pk}/followup/"
    saved = api_client.put(url, {"frequency": "fortnightly", "next_review_date": "2030-01-10"}, format="json")
    assert saved.status_code == 200 and saved.json()["frequency"] == "fortnightly"
    booked = api_client.post(
        f"/api/v1/patients/{patient_a1.pk}/appointments/",
        {"starts_at": "2030-01-03T10:00:00Z", "count": 3},
        format="json",
    )
    assert booked.status_code == 201
    assert [a["starts_at"][:10] for a in booked.json()] == ["2030-01-03", "2030-01-17", "2030-01-31"]


def test_patients_see_their_appointments_but_cannot_book(api_client, therapist_a, patient_a1):
    services.appointment_create(actor=therapist_a, patient=patient_a1, starts_at=timezone.now() + timedelta(days=2))
    api_client.force_authenticate(patient_a1.user)
    assert len(api_client.get("/api/v1/me/appointments/").json()) == 1
    refused = api_client.post(
        f"/api/v1/patients/{patient_a1.pk}/appointments/", {"starts_at": "2030-01-03T10:00:00Z"}, format="json"
    )
    assert refused.status_code == 403


def test_the_dashboard_lists_follow_ups_due(client_of, therapist_a, patient_a1):
    from sessions.programs.dates import clinic_today

    services.followup_plan_save(
        actor=therapist_a, patient=patient_a1, next_review_date=clinic_today(patient_a1.clinic) - timedelta(days=1)
    )
    page = client_of(therapist_a).get("/therapy/dashboard/").content.decode()
    assert "Program review overdue since" in page
    assert "No follow-up visit booked" in page
