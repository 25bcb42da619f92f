"""Each role signs in through the real login page (real server, real chromium) and lands on its home."""

from __future__ import annotations

import pytest

from tests.harness.browser import sign_in

pytestmark = pytest.mark.browser


def test_therapist_lands_on_the_dashboard_and_reaches_the_caseload(
    page, screenshot, therapist_a, patient_a1, patient_b1
):
    page.goto("/")
    assert "/accounts/login/" in page.url
    screenshot(page, "login")
    sign_in(page, therapist_a)
    assert page.url.endswith("/therapy/dashboard/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    page.get_by_role("link", name="Caseload").first.click()
    assert page.url.endswith("/patients/")
    assert page.get_by_role("heading", name="Caseload").is_visible()
    assert page.get_by_text(patient_a1.full_name).is_visible()
    assert page.get_by_text(patient_b1.full_name).count() == 0
    screenshot(page, "therapist-home")


def test_patient_lands_on_the_portal_on_a_phone(phone_page, screenshot, patient_a1):
    sign_in(phone_page, patient_a1.user)
    assert phone_page.url.endswith("/portal/")
    assert phone_page.get_by_role("heading", name=f"Hello {patient_a1.first_name}").is_visible()
    # Readable on a phone: nothing wider than the screen.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "patient-home-phone")


def test_clinic_admin_lands_on_people(page, screenshot, admin_a, therapist_a):
    sign_in(page, admin_a)
    assert page.url.endswith("/console/people/")
    assert page.get_by_role("cell", name=therapist_a.email).is_visible()
    screenshot(page, "admin-home")
    page.get_by_role("link", name="Chairs & devices").first.click()
    page.get_by_role("link", name="Register a device").click()
    page.get_by_label("Name").fill("chair-2-pi")
    page.get_by_role("button", name="Register and show token").click()
    token = page.get_by_test_id("device-token").input_value()
    assert token.startswith("rtd_")
    screenshot(page, "admin-device-token")


def test_wrong_password_shows_a_form_error(page, therapist_a):
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(therapist_a.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("Please enter a correct").is_visible()
