"""A patient fills in the FaCE on a phone: one question per screen, a review, then a thank-you."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from patients.models import QuestionnaireAssignment
from patients.questionnaires import services
from patients.scales.questionnaires import FACE
from tests.harness.browser import sign_in

pytestmark = pytest.mark.browser


def test_a_patient_fills_the_face_on_a_phone(phone_page, screenshot, therapist_a, patient_a1):
    page = phone_page
    assignment = services.questionnaire_assign(
        actor=therapist_a, patient=patient_a1, instrument="face", due_on=timezone.localdate(), message="Before Thursday"
    )
    sign_in(page, patient_a1.user)
    expect(page.get_by_role("heading", name="Questionnaires for you")).to_be_visible()
    screenshot(page, "portal-home")
    page.get_by_role("link", name="Fill in FaCE").click()

    expect(page.get_by_text("Question 1 of 15")).to_be_visible()
    assert page.locator("[data-q-item]:visible").count() == 1  # one question per screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "question-1")
    # Best answer everywhere except the eye items (5 and 11), where "some of the time" (3).
    for number, question in enumerate(FACE.questions, start=1):
        expect(page.get_by_text(f"Question {number} of 15")).to_be_visible()
        value = 1 if question.reverse else (3 if question.code in ("face_5", "face_11") else 5)
        page.locator(f'#item-{question.code} label[for="id_{question.code}_{value}"]').click()
        if number == 7:
            screenshot(page, "question-7-answered")
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(page.locator("[data-q-review-list] li")).to_have_count(15)
    screenshot(page, "review")
    page.get_by_role("button", name="Send answers").click()

    expect(page.get_by_role("heading", name=f"Thank you, {patient_a1.first_name}")).to_be_visible()
    screenshot(page, "done")
    assignment.refresh_from_db()
    assert assignment.status == QuestionnaireAssignment.Status.COMPLETED and assignment.source == "portal"
    assert assignment.scores["eye"] == 50.0  # coded 3 and 3: 100 × (6 − 2) / 8
    assert assignment.scores["movement"] == 100 and assignment.scores["social"] == 100


def test_going_back_keeps_the_answers(phone_page, therapist_a, patient_a1):
    page = phone_page
    assignment = services.questionnaire_assign(actor=therapist_a, patient=patient_a1, instrument="saq")
    sign_in(page, patient_a1.user)
    page.goto(f"/portal/questionnaires/{assignment.pk}/")
    page.locator('label[for="id_saq_1_2"]').click()
    expect(page.get_by_text("Question 2 of 9")).to_be_visible()
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_text("Question 1 of 9")).to_be_visible()
    expect(page.locator("#id_saq_1_2")).to_be_checked()
