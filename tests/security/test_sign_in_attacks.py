"""Attacks on signing in: guessing passwords (axes locks the account from that address), fixing a
session before sign-in (the key changes), replaying a password-reset link (refused the second time)."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from tests.harness.people import PASSWORD


def _sign_in(client: Client, email: str, password: str):
    return client.post("/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR="203.0.113.9")


def test_guessing_passwords_locks_the_account_even_for_the_right_one_afterwards(client, therapist_a, settings):
    from axes.models import AccessAttempt

    limit = settings.AXES_FAILURE_LIMIT
    for attempt in range(limit):
        response = _sign_in(client, therapist_a.email, f"wrong-guess-{attempt}")
        assert "_auth_user_id" not in client.session
    response = _sign_in(client, therapist_a.email, PASSWORD)
    assert response.status_code in (403, 429)
    assert b"Too many attempts" in response.content
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username=therapist_a.email, failures_since_start__gte=limit).exists()
    # Another address is not locked out by the attacker's guesses (lockout is per username and address).
    other = Client()
    response = other.post(
        "/accounts/login/", {"username": therapist_a.email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert response.status_code == 302 and "_auth_user_id" in other.session


def test_the_session_key_changes_at_sign_in(client, therapist_a):
    client.get("/accounts/login/")
    client.session.save()
    planted = client.session.session_key
    client.cookies["sessionid"] = planted  # a key an attacker gave the victim's browser
    response = _sign_in(client, therapist_a.email, PASSWORD)
    assert response.status_code == 302
    assert client.session.session_key != planted
    assert client.session["_auth_user_id"] == str(therapist_a.pk)
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=planted).exists()


def test_a_password_reset_link_works_once(client, therapist_a):
    response = client.post("/accounts/password-reset/", {"email": therapist_a.email})
    assert response.status_code == 302
    [message] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/reset/[^\s]+/)", message.body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    new_password = "a-new-long-passphrase-2026"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert response.status_code == 302 and response["Location"].endswith("/accounts/reset/done/")
    therapist_a.refresh_from_db()
    assert therapist_a.check_password(new_password)

    # The same link again, from another browser: refused, and the password stays.
    replay = Client()
    response = replay.get(link, follow=True)
    assert response.context["validlink"] is False
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = replay.post(form_url, {"new_password1": "attacker-pass-123456", "new_password2": "attacker-pass-123456"})
    assert response.status_code == 200 and response.context["validlink"] is False
    therapist_a.refresh_from_db()
    assert therapist_a.check_password(new_password)


def test_a_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, therapist_a):
    known = client.post("/accounts/password-reset/", {"email": therapist_a.email})
    unknown = client.post("/accounts/password-reset/", {"email": "nobody@nowhere.test"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
