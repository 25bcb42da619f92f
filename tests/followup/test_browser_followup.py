"""End to end in chromium: planning follow-up, and the patient's appointments and history on a phone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from sessions.models import Appointment, FollowUpPlan
from sessions.programs.dates import clinic_today
from tests.harness.browser import sign_in
from tests.programs.helpers import active_program

pytestmark = pytest.mark.browser


def test_a_therapist_plans_weekly_follow_up_with_goals_and_visits(
    page, phone_page, screenshot, therapist_a, patient_a1
):
    active_program(therapist_a, patient_a1, ["scalp-glide", "smile-happy-thought"])
    sign_in(page, therapist_a)
    page.goto(f"/therapy/patients/{patient_a1.pk}/followup/")
    plan = page.locator("#plan")
    plan.get_by_label("Visit frequency").select_option("weekly")
    review = clinic_today(patient_a1.clinic) + timedelta(days=14)
    plan.get_by_label("Next program review").fill(review.isoformat())
    plan.get_by_role("button", name="Save plan").click()
    page.wait_for_load_state("networkidle")
    assert FollowUpPlan.objects.get(patient=patient_a1).next_review_date == review

    goals = page.locator("#goals")
    goals.get_by_text("Add a goal").click()
    goals.get_by_label("Description").fill("Practise on most days")
    goals.get_by_label("Measured on").select_option("home_program.adherence")
    goals.get_by_label("Target score").fill("80")
    goals.get_by_role("button", name="Add goal").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#goals").get_by_text("target 80").is_visible()

    visits = page.locator("#appointments")
    visits.get_by_text("Book visits").click()
    first = clinic_today(patient_a1.clinic) + timedelta(days=3)
    visits.get_by_label("Starts").fill(f"{first.isoformat()}T10:30")
    visits.get_by_label("Number of visits").fill("4")
    visits.get_by_role("button", name="Book").click()
    page.wait_for_load_state("networkidle")
    booked = list(Appointment.objects.filter(patient=patient_a1).order_by("starts_at"))
    assert len(booked) == 4 and (booked[1].starts_at - booked[0].starts_at).days == 7
    assert page.locator("#appointments li").filter(has_text="Therapy visit").count() == 4
    screenshot(page, "followup-tab")

    page.get_by_role("link", name="Exercise library").first.click()
    assert page.get_by_role("heading", name="Emotion-driven movement").is_visible()
    screenshot(page, "library")
    page.get_by_role("link", name="Happy-thought smile").click()
    assert page.get_by_label("Title").input_value() == "Happy-thought smile"
    screenshot(page, "exercise-detail")

    sign_in(phone_page, patient_a1.user)
    assert phone_page.locator("#next-appointment").get_by_text(re.compile("10:30")).is_visible()
    phone_page.get_by_role("link", name="Appointments").first.click()
    assert phone_page.get_by_text("Therapy visit").first.is_visible()
    screenshot(phone_page, "portal-appointments")
    phone_page.get_by_role("link", name="History").first.click()
    assert phone_page.get_by_text("day streak").is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "portal-history")
