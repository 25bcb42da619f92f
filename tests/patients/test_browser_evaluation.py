"""A therapist grades a full evaluation in a real browser: the three scales with live scores, signs it,
amends it, and sees both evaluations on the progress chart and the comparison."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from patients.models import Evaluation, EvaluationAmendment
from patients.scales import eface
from tests.harness.browser import sign_in
from tests.patients.conftest import make_signed

pytestmark = pytest.mark.browser

VOLUNTARY = {"brow_lift": 3, "gentle_eye_closure": 4, "open_mouth_smile": 3, "snarl": 3, "lip_pucker": 4}
SYNKINESIS = {"brow_lift": 0, "gentle_eye_closure": 1, "open_mouth_smile": 2, "snarl": 1, "lip_pucker": 0}
EFACE = {
    "brow_rest": 82,
    "palpebral_fissure_rest": 115,
    "nasolabial_fold_rest": 70,
    "oral_commissure_rest": 88,
    "brow_elevation": 40,
    "gentle_eye_closure": 90,
    "full_eye_closure": 95,
    "oral_commissure_smile": 55,
    "nasolabial_fold_depth_smile": 60,
    "nasolabial_fold_orientation_smile": 65,
    "ocular_synkinesis": 60,
    "midfacial_synkinesis": 75,
    "mentalis_synkinesis": 85,
    "platysmal_synkinesis": 80,
}


def test_a_therapist_grades_signs_amends_and_follows_progress(page, screenshot, therapist_a, patient_a1):
    earlier = make_signed(therapist_a, patient_a1, days_ago=45, voluntary=2, synkinesis=0, dynamic=25, hb=5)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, therapist_a)
    page.get_by_role("link", name="Caseload").first.click()  # therapists land on the dashboard
    page.get_by_text(patient_a1.full_name).click()
    page.get_by_role("link", name="Evaluations").click()
    page.get_by_role("button", name="Start evaluation").click()
    expect(page.get_by_role("heading", name=re.compile("Re-evaluation"))).to_be_visible()

    # House-Brackmann: the grade against its descriptions, and the measurement method.
    page.check("#id_house_brackmann-grade-3")
    page.fill("#id_house_brackmann-brow_rise_mm", "6")
    page.fill("#id_house_brackmann-commissure_excursion_mm", "8")
    hb = page.locator("#house_brackmann")
    expect(hb.locator('[data-out="measured_points"]')).to_have_text("5")
    expect(hb.locator('[data-out="measured_grade_roman"]')).to_have_text("III")

    # Sunnybrook: the full form, sub-scores and composite computed as the answers go in.
    page.check('input[name="sunnybrook-rest_eye"][value="narrow"]')
    page.check('input[name="sunnybrook-rest_cheek"][value="less_pronounced"]')
    page.check('input[name="sunnybrook-rest_mouth"][value="normal"]')
    for code, value in VOLUNTARY.items():
        page.check(f'input[name="sunnybrook-voluntary_{code}"][value="{value}"]')
    for code, value in SYNKINESIS.items():
        page.check(f'input[name="sunnybrook-synkinesis_{code}"][value="{value}"]')
    sb = page.locator("#sunnybrook")
    expect(sb.locator('[data-out="resting"]')).to_have_text("10")
    expect(sb.locator('[data-out="voluntary"]')).to_have_text("68")
    expect(sb.locator('[data-out="synkinesis"]')).to_have_text("4")
    expect(page.get_by_test_id("sunnybrook-composite")).to_have_text("54")

    # eFACE: fourteen values typed, the last one set by moving its slider with the keyboard.
    for code, value in EFACE.items():
        page.fill(f"#id_eface-{code}", str(value))
    slider = page.locator('input.eface-range[data-for="id_eface-lower_lip_eee"]')
    slider.focus()
    page.keyboard.press("End")
    for _ in range(30):
        page.keyboard.press("ArrowLeft")
    expect(page.locator("#id_eface-lower_lip_eee")).to_have_value("70")
    scores = {code: eface.item_score(code, value) for code, value in {**EFACE, "lower_lip_eee": 70}.items()}
    expected_total = round(sum(scores.values()) / 15, 1)
    expected_dynamic = round(sum(scores[c] for c in eface.DYNAMIC_CODES) / 7, 1)
    ef = page.locator("#eface")
    expect(page.get_by_test_id("eface-total")).to_have_text(f"{expected_total:.1f}")
    expect(ef.locator('[data-out="dynamic"]')).to_have_text(f"{expected_dynamic:.1f}")
    expect(ef.locator('[data-out="item_scores.palpebral_fissure_rest"]')).to_have_text("85")
    expect(ef.get_by_text("provisional").first).to_be_visible()

    page.select_option('select[name="muscle_review-orbicularis_oculi.synkinesis"]', "moderate")
    page.select_option('select[name="sensation-eye_dryness"]', "mild")
    page.fill("#id_notes", "Eye narrows with smile; start inhibition work.")
    expect(page.locator('#muscle_review [data-out="synkinetic_count"]')).to_have_text("1")
    expect(page.locator("#sensation [data-out-status]")).to_have_text("recorded")
    expect(page.locator("[data-summary='sunnybrook.composite']")).to_have_text("54")
    screenshot(page, "evaluation-filled")

    page.get_by_role("button", name="Complete and sign").click()
    expect(page.get_by_text("Evaluation signed and locked.")).to_be_visible()
    evaluation = Evaluation.objects.exclude(pk=earlier.pk).get(patient=patient_a1)
    assert evaluation.status == "completed"
    assert evaluation.scale("sunnybrook").scores["composite"] == 54
    assert evaluation.scale("house_brackmann").scores["measured_grade"] == 3
    assert evaluation.scale("eface").items["lower_lip_eee"] == 70
    expect(page.locator("#sunnybrook").get_by_test_id("sunnybrook-composite")).to_have_text("54")
    screenshot(page, "evaluation-signed")

    # Amend the signed eFACE: the reason is required, the change is listed with who and why.
    page.locator("#eface").get_by_role("link", name="Amend").click()
    page.fill("#id_eface-ocular_synkinesis", "70")
    page.get_by_role("button", name="Record amendment").click()
    expect(page.locator("#id_reason")).to_be_visible()  # refused without a reason
    page.fill("#id_reason", "Reviewed the video: the eye narrowing is milder.")
    page.get_by_role("button", name="Record amendment").click()
    expect(page.get_by_text("Amendment recorded.")).to_be_visible()
    amendments = page.locator("#amendments")
    expect(amendments.get_by_text("Reviewed the video: the eye narrowing is milder.")).to_be_visible()
    expect(amendments.get_by_text("Ocular synkinesis")).to_be_visible()
    amendment = EvaluationAmendment.objects.get(evaluation=evaluation)
    assert amendment.by == therapist_a and amendment.changes[0]["after"] == 70
    screenshot(page, "evaluation-amended")

    # Progress: both evaluations on the charts; then the side-by-side comparison.
    page.get_by_role("link", name="Progress", exact=True).click()
    chart = page.locator('[data-chart="Sunnybrook"]')
    expect(chart.locator("svg.chart circle")).to_have_count(2)
    expect(page.locator('[data-chart="eFACE"] svg.chart')).to_be_visible()
    expect(page.locator('[data-chart="House-Brackmann"] svg.chart circle')).to_have_count(2)
    screenshot(page, "progress")
    page.get_by_role("link", name="Compare two evaluations").click()
    expect(page.locator("#compare-sunnybrook .diff.improved").first).to_be_visible()
    screenshot(page, "compare")
