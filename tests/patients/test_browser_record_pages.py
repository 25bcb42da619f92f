"""The therapist's hub on the demo clinic: caseload, a new patient, and every tab of a patient with
history, without a script error or a CSP violation; screenshots for review."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from clinic.demo import seed_people
from patients.demo import seed_record_and_evaluations
from patients.models import Patient
from tests.harness.browser import sign_in

pytestmark = pytest.mark.browser


def test_the_patient_hub_on_demo_data(page, screenshot):
    demo = seed_people()
    seed_record_and_evaluations(demo)
    maya = demo.therapists[0]
    maya.set_password("correct-horse-battery-42")
    maya.save()
    sign_in(page, maya)
    page.get_by_role("link", name="Caseload").first.click()  # therapists land on the dashboard
    expect(page.get_by_role("heading", name="Caseload")).to_be_visible()
    screenshot(page, "caseload")

    page.get_by_role("link", name="New patient").click()
    page.get_by_label("Record number").fill("RT-2001")
    page.get_by_label("First name").fill("Ines")
    page.get_by_label("Last name").fill("Moreau")
    page.get_by_label("Cause (etiology)").select_option("acoustic_neuroma")
    page.get_by_label("Affected side").select_option("right")
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_role("heading", name="Ines Moreau")).to_be_visible()
    assert Patient.objects.filter(record_number="RT-2001", care_team=maya).exists()

    priya = Patient.objects.get(record_number="RT-1002")
    page.goto(f"/patients/{priya.pk}/")
    expect(page.get_by_role("heading", name="Latest scores")).to_be_visible()
    screenshot(page, "overview")
    for tab, check in (
        ("Timeline", "Botulinum toxin"),
        ("Evaluations", "Compare two evaluations"),
        ("Progress", "Progress over time"),
        ("Questionnaires", "Beside the clinician scores"),
        ("Treatments", "By muscle"),
    ):
        page.get_by_role("navigation", name="Patient record").get_by_role("link", name=tab).click()
        expect(page.get_by_text(check).first).to_be_visible()
        screenshot(page, tab.lower())
    page.get_by_role("link", name="Evaluations", exact=True).click()
    page.get_by_role("link", name="Open").first.click()
    expect(page.get_by_role("heading", name="Amendments")).to_be_visible()
    screenshot(page, "signed-evaluation")

    jordan = Patient.objects.get(record_number="RT-1001")
    page.goto(f"/patients/{jordan.pk}/questionnaires/")
    expect(page.get_by_text("Beside the clinician scores")).to_be_visible()
    screenshot(page, "jordan-questionnaires")
    page.goto(f"/patients/{jordan.pk}/progress/")
    expect(page.locator('[data-chart="FaCE"] svg.chart circle').first).to_be_visible()
    screenshot(page, "jordan-progress")
