"""End to end in chromium: building programs, the stage-1 rule, the phone portal, the dashboard flag."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sessions.models import Program, ReleaseDay
from sessions.programs import schedule
from tests.harness.browser import sign_in
from tests.programs.helpers import active_program, exercise, stage_template

pytestmark = pytest.mark.browser


def test_a_therapist_builds_a_program_from_the_stage_template_and_sees_the_load(
    page, screenshot, therapist_a, patient_a1, clinic_a
):
    assert patient_a1.stage == 2
    sign_in(page, therapist_a)
    page.goto(f"/therapy/patients/{patient_a1.pk}/program/")
    template = stage_template(clinic_a, 2)
    assert page.get_by_label("Start from").input_value() == f"t{template.pk}"  # the patient's stage is preselected
    screenshot(page, "patient-program-tab")
    page.get_by_role("button", name="Create draft").click()
    page.wait_for_url(re.compile(r"/therapy/programs/\d+/$"))
    program = Program.objects.get(patient=patient_a1)
    assert page.get_by_test_id("program-item").count() == template.items.count()
    load = schedule.program_load(list(program.items.all()), program=program)
    assert page.get_by_test_id("load-exercises").inner_text() == f"{load.average_exercises:g}"
    assert page.get_by_test_id("load-minutes").inner_text() == f"{load.average_minutes:g}"
    assert page.get_by_test_id("program-load").locator("svg rect").count() == len(load.days)
    screenshot(page, "builder-from-template")

    # A dosage change is reflected in the load.
    smile = program.items.get(version__exercise__key="smile-happy-thought")
    card = page.locator(f"#item-{smile.pk}")
    card.get_by_label("Sets").fill("3")
    card.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    heavier = schedule.program_load(list(program.items.all()), program=program)
    assert heavier.average_minutes > load.average_minutes
    assert page.get_by_test_id("load-minutes").inner_text() == f"{heavier.average_minutes:g}"

    page.get_by_role("button", name="Give to patient").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("now sees this program in the portal").is_visible()
    program.refresh_from_db()
    assert program.status == "active"
    screenshot(page, "builder-active")


def test_a_stage_1_program_refuses_a_movement_exercise_without_an_override(
    page, screenshot, therapist_a2, patient_a2, clinic_a
):
    assert patient_a2.stage == 1
    sign_in(page, therapist_a2)
    page.goto(f"/therapy/patients/{patient_a2.pk}/program/")
    page.get_by_role("button", name="Create draft").click()
    page.wait_for_url(re.compile(r"/therapy/programs/\d+/$"))
    program = Program.objects.get(patient=patient_a2)
    assert not program.items.filter(version__kind="movement").exists()
    smile = exercise(clinic_a, "smile-happy-thought")
    override = page.locator("[data-override]")
    assert not override.is_visible()
    page.locator("#id_exercise").select_option(str(smile.pk))
    assert override.is_visible()  # the form asks for a reason when the choice needs one
    page.get_by_role("button", name="Add to program").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("alert").filter(has_text="movement exercise and the patient is at stage 1").is_visible()
    assert not program.items.filter(version__exercise=smile).exists()
    screenshot(page, "stage1-refused")

    page.locator("#id_exercise").select_option(str(smile.pk))
    page.get_by_label("Reason for a stage-1 override").fill("First flicker of the zygomaticus on EMG this week.")
    page.get_by_role("button", name="Add to program").click()
    page.wait_for_load_state("networkidle")
    item = program.items.get(version__exercise=smile)
    assert item.override_reason.startswith("First flicker")
    assert page.locator(f"#item-{item.pk}").get_by_text("Stage override by").is_visible()
    screenshot(page, "stage1-override")


def test_the_patient_logs_high_tightness_on_a_phone_and_the_therapist_sees_the_flag(
    phone_page, page, screenshot, therapist_a, patient_a1
):
    program = active_program(
        therapist_a, patient_a1, ["smile-happy-thought", "brow-surprise", "masseter-release", "gentle-face-massage"]
    )
    phone = phone_page
    sign_in(phone, patient_a1.user)
    assert phone.url.endswith("/portal/")
    today = phone.locator("#today")
    assert today.get_by_text("Happy-thought smile").is_visible()
    screenshot(phone, "portal-today")

    today.get_by_role("link", name=re.compile("Happy-thought smile")).click()
    phone.wait_for_url(re.compile(r"/portal/practice/\d+/$"))
    assert phone.get_by_text("Think of something that makes you genuinely happy").is_visible()
    phone.get_by_role("button", name="Start").click()
    timer = phone.locator("#timer")
    expect(timer.locator("[data-phase]")).to_have_text("Hold")
    expect(timer.locator("[data-count]")).to_have_text(re.compile(r"^[0-2]$"))  # the hold counts down
    timer.get_by_role("button", name="Pause").click()
    screenshot(phone, "practice-timer")

    log = phone.locator("#log")
    log.locator("label.choice", has_text=re.compile(r"^Done$")).click()
    log.locator("label.choice", has_text=re.compile(r"^Hard$")).click()
    log.locator("label.scale-option", has_text=re.compile(r"^8$")).click()
    log.get_by_label("Note").fill("Cheek pulling after the smiles")
    log.get_by_role("button", name="Save").click()
    phone.wait_for_url(re.compile(r"/portal/#today$"))

    banner = phone.get_by_test_id("release-plan")
    assert banner.is_visible() and "8/10" in banner.inner_text()
    plan = phone.locator("#today")
    assert plan.get_by_role("heading", name=re.compile("Release plan")).is_visible()
    assert plan.locator(".plan-list").get_by_text("Jaw muscle massage").is_visible()
    assert plan.locator(".plan-list").get_by_text("Happy-thought smile").count() == 0
    assert plan.locator("details.paused").get_by_text("Paused today (2)").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "portal-release-plan")

    release = ReleaseDay.objects.get(program=program)
    assert release.tightness == 8 and release.acknowledged_at is None

    sign_in(page, therapist_a)
    assert page.url.endswith("/therapy/dashboard/")
    flags = page.get_by_test_id("tightness-flags")
    assert flags.get_by_text(patient_a1.full_name).is_visible()
    assert "8/10" in flags.inner_text() and "Cheek pulling after the smiles" in flags.inner_text()
    screenshot(page, "dashboard-flag")
    flags.get_by_label(f"Note for {patient_a1.full_name}").fill("Phoned: release only until Friday.")
    flags.get_by_role("button", name="Acknowledge").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("No open tightness flags").is_visible()
    release.refresh_from_db()
    assert release.acknowledged_by == therapist_a
