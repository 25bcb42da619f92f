"""Shared fixtures: clinics, people of every role, a real ASGI server, a real browser.

People (password ``PASSWORD``):
    admin_a             clinic admin of clinic A
    therapist_a         therapist of clinic A (care team of patient_a1)
    therapist_a2        second therapist of clinic A
    therapist_b         therapist of clinic B
    admin_b             clinic admin of clinic B
    patient_a1/a2       patients of clinic A with portal accounts (fixtures return the Patient)
    patient_b1          patient of clinic B with a portal account
"""

from __future__ import annotations

import pytest

from tests.harness.people import PASSWORD, make_patient, make_user

pytest_plugins = ["tests.harness.servers", "tests.harness.browser", "tests.harness.faults"]

__all__ = ["PASSWORD"]


def _drives_a_browser(item) -> bool:
    return item.get_closest_marker("browser") is not None or bool(
        {"browser", "page", "phone_page"} & set(getattr(item, "fixturenames", ()))
    )


def pytest_collection_modifyitems(config, items):
    # Playwright's sync API keeps an event loop running in the main thread for as long as the
    # session-wide browser lives; async tests (consumers, ingest) cannot run after it starts.
    # So every browser test runs after all the others (stable order otherwise).
    items.sort(key=_drives_a_browser)


@pytest.fixture
def clinic_a(db):
    from clinic.models import Clinic

    return Clinic.objects.create(name="Clinic A", slug="clinic-a")


@pytest.fixture
def clinic_b(db):
    from clinic.models import Clinic

    return Clinic.objects.create(name="Clinic B", slug="clinic-b")


@pytest.fixture
def admin_a(clinic_a):
    return make_user(clinic_a, "alice.admin@a.test", "admin", first_name="Alice", last_name="Admin")


@pytest.fixture
def admin_b(clinic_b):
    return make_user(clinic_b, "barbara.admin@b.test", "admin", first_name="Barbara", last_name="Admin")


@pytest.fixture
def therapist_a(clinic_a):
    return make_user(clinic_a, "tess.ot@a.test", "therapist", first_name="Tess", last_name="Okoro", title="OT")


@pytest.fixture
def therapist_a2(clinic_a):
    return make_user(clinic_a, "theo.pt@a.test", "therapist", first_name="Theo", last_name="Park", title="PT")


@pytest.fixture
def therapist_b(clinic_b):
    return make_user(clinic_b, "charlie.ot@b.test", "therapist", first_name="Charlie", last_name="Byrne", title="OT")


@pytest.fixture
def patient_a1(clinic_a, therapist_a):
    return make_patient(
        clinic_a, "pat.one@a.test", "Pat", "One", record_number="A-001", stage=2, care_team=[therapist_a]
    )


@pytest.fixture
def patient_a2(clinic_a, therapist_a2):
    return make_patient(
        clinic_a, "pat.two@a.test", "Pat", "Two", record_number="A-002", stage=1, care_team=[therapist_a2]
    )


@pytest.fixture
def patient_b1(clinic_b, therapist_b):
    return make_patient(
        clinic_b, "pat.bee@b.test", "Pat", "Bee", record_number="B-001", stage=3, care_team=[therapist_b]
    )


@pytest.fixture
def client_of(client):
    """``client_of(user)`` → a Django test client signed in as ``user``."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
