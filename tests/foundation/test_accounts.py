"""Invitations, activation, deactivation, lockout, password reset, second factor."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from clinic import services
from clinic.errors import DomainError
from clinic.models import AuditEvent, User
from tests.harness.people import PASSWORD

NEW_PASSWORD = "a-much-better-passphrase-17"


def _invite_link() -> str:
    return re.search(r"https?://\S+/accounts/activate/\S+/", mail.outbox[-1].body).group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_admin_invites_a_therapist_who_activates_with_the_emailed_link(
    client_of, admin_a, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(admin_a).post(
            "/console/people/invite/",
            {
                "role": "therapist",
                "first_name": "Nina",
                "last_name": "Vale",
                "email": "Nina.Vale@A.test",
                "title": "SLP",
            },
        )
    assert response.status_code == 302
    invited = User.objects.get(username="nina.vale@a.test")
    assert not invited.is_active and invited.clinic == admin_a.clinic and invited.role == "therapist"
    assert mail.outbox[-1].to == ["nina.vale@a.test"]
    client.logout()
    link = _path(_invite_link())
    assert client.get(link).status_code == 200
    response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.is_active and invited.activated_at is not None and invited.check_password(NEW_PASSWORD)
    # The link works once.
    client.logout()
    assert client.get(link).status_code == 400


def test_invitation_links_expire(admin_a, clinic_a, client):
    user = services.user_invite(
        actor=admin_a, clinic=clinic_a, email="late@a.test", first_name="L", last_name="T", role="therapist"
    )
    token = services.invite_token_make(user)
    with override_settings(INVITE_TIMEOUT_SECONDS=-1):
        response = client.get(f"/accounts/activate/{token}/")
    assert response.status_code == 400
    assert "expired" in response.content.decode()


def test_resending_voids_the_previous_link(admin_a, clinic_a):
    user = services.user_invite(
        actor=admin_a, clinic=clinic_a, email="r@a.test", first_name="R", last_name="S", role="therapist"
    )
    old = services.invite_token_make(user)
    user.invited_at = timezone.now() - timedelta(minutes=1)
    user.save()
    services.user_invite_resend(actor=admin_a, user=user)
    with pytest.raises(DomainError):
        services.invite_token_user(old)


def test_weak_passwords_are_refused_at_activation(admin_a, clinic_a, client):
    user = services.user_invite(
        actor=admin_a, clinic=clinic_a, email="w@a.test", first_name="W", last_name="P", role="therapist"
    )
    response = client.post(
        f"/accounts/activate/{services.invite_token_make(user)}/",
        {"new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    user.refresh_from_db()
    assert not user.is_active


def test_inviting_a_patient_creates_the_record_and_the_portal_account(client_of, admin_a):
    response = client_of(admin_a).post(
        "/console/people/invite/",
        {
            "role": "patient",
            "first_name": "Ola",
            "last_name": "Berg",
            "email": "ola@home.test",
            "record_number": "A-900",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="ola@home.test")
    assert user.patient.record_number == "A-900" and user.patient.clinic == admin_a.clinic


def test_invite_form_shows_a_clear_error_for_duplicates(client_of, admin_a, therapist_a):
    response = client_of(admin_a).post(
        "/console/people/invite/",
        {
            "role": "therapist",
            "first_name": "T",
            "last_name": "O",
            "email": therapist_a.email,
        },
    )
    assert response.status_code == 200
    assert "already exists" in str(response.context["form"].errors["email"])


def test_deactivation_ends_the_sessions_and_blocks_sign_in(client, admin_a, therapist_a):
    from django.test import Client

    therapist_client = Client()
    therapist_client.force_login(therapist_a)
    assert therapist_client.get("/patients/").status_code == 200
    client.force_login(admin_a)
    client.post(f"/console/people/{therapist_a.pk}/", {"action": "deactivate"})
    assert therapist_client.get("/patients/").status_code == 302
    response = Client().post("/accounts/login/", {"username": therapist_a.email, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in Client().session
    assert AuditEvent.objects.filter(action="account.deactivate", object_id=str(therapist_a.pk)).exists()


def test_admin_cannot_deactivate_themselves(client_of, admin_a):
    client_of(admin_a).post(f"/console/people/{admin_a.pk}/", {"action": "deactivate"})
    admin_a.refresh_from_db()
    assert admin_a.is_active


def test_sign_in_is_locked_after_repeated_failures(client, therapist_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": therapist_a.email, "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": therapist_a.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_sign_in_lands_on_the_role_home(client, therapist_a, patient_a1, admin_a):
    for user, home in [
        (therapist_a, "/therapy/dashboard/"),
        (patient_a1.user, "/portal/"),
        (admin_a, "/console/people/"),
    ]:
        client.logout()
        response = client.post("/accounts/login/", {"username": user.email.upper(), "password": PASSWORD}, follow=True)
        assert response.redirect_chain[-1][0] == home
        assert AuditEvent.objects.filter(actor=user, action="auth.login").exists()


def test_password_reset_by_email_works_once(client, therapist_a):
    client.post("/accounts/password-reset/", {"email": therapist_a.email})
    link = re.search(r"http://\S+/accounts/reset/\S+/", mail.outbox[-1].body).group(0)
    path = _path(link)
    form_page = client.get(path, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    therapist_a.refresh_from_db()
    assert therapist_a.check_password(NEW_PASSWORD)
    again = client.get(path, follow=True)
    assert "Link not valid" in again.content.decode()


def _totp_now(device) -> str:
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_staff_must_set_up_a_second_factor_when_the_setting_is_on(client, therapist_a, settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.REQUIRE_STAFF_2FA = True
    client.post("/accounts/login/", {"username": therapist_a.email, "password": PASSWORD})
    response = client.get("/patients/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/setup/"
    client.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user=therapist_a)
    bad = client.post("/accounts/2fa/setup/", {"token": "000000" if _totp_now(device) != "000000" else "111111"})
    assert bad.status_code == 200 and bad.context["form"].errors
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    ok = client.post("/accounts/2fa/setup/", {"token": _totp_now(device)})
    assert ok.status_code == 302
    assert client.get("/patients/").status_code == 200


def test_staff_with_an_authenticator_enter_a_code_after_the_password(client, therapist_a):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=therapist_a, name="phone", confirmed=True)
    client.post("/accounts/login/", {"username": therapist_a.email, "password": PASSWORD})
    response = client.get("/patients/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/verify/")
    assert client.post("/accounts/2fa/verify/", {"token": _totp_now(device), "next": "/patients/"}).status_code == 302
    assert client.get("/patients/").status_code == 200


def test_patients_are_not_asked_for_a_second_factor(client, patient_a1, settings):
    settings.REQUIRE_STAFF_2FA = True
    client.post("/accounts/login/", {"username": patient_a1.user.email, "password": PASSWORD})
    assert client.get("/portal/").status_code == 200
