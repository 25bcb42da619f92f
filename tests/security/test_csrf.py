"""Every state-changing URL refuses a cross-site request: a signed-in browser session posting
without the CSRF token (what a page of another site can make the browser do) gets a 403, for the
pages and for the API (DRF's session authentication); with the token, the same request passes
the check. API tokens are not cookies, so they need no CSRF token."""

from __future__ import annotations

from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from tests.security import matrix
from tests.security.figures import write_figures
from tests.security.routes import fill_kwargs, url_routes, view_methods

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
CSRF_COOKIE = "csrfsecret" + "0123456789abcdefghijkl"  # 32 characters, like the unmasked secret


def _targets(world):
    for route in url_routes():
        entry = matrix.ROUTES_BY_NAME.get(route.name)
        if entry is None or route.is_admin_site:
            continue
        for method in entry.methods or view_methods(route.callback):
            if method not in STATE_CHANGING:
                continue
            allowed = entry.allowed(method)
            # Someone allowed to make the change, or (for public forms) any visitor.
            role = next((r for r in matrix.ROLES_BY_PREFERENCE if r in allowed), matrix.ANON)
            yield route.name, reverse(route.name, kwargs=fill_kwargs(entry, route, world)), method, role


def _client(world, role: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    if role in world.users:
        client.force_login(world.users[role])
    return client


def _send(client, method, url, *, token: str | None):
    client.cookies["csrftoken"] = CSRF_COOKIE
    extra = {"HTTP_X_CSRFTOKEN": token} if token else {}
    # What a page of another site can send without a preflight: a form (multipart, for the API's parsers).
    body = encode_multipart(BOUNDARY, {"note": "x"})
    return client.generic(method, url, data=body, content_type=MULTIPART_CONTENT, **extra)


def _csrf_refusal(response) -> bool:
    return response.status_code == 403 and b"CSRF" in response.content


def test_every_state_changing_url_refuses_a_request_without_the_csrf_token(world, db):
    from django.db import transaction

    missing, wrongly_refused, checked = [], [], 0
    for _name, url, method, role in _targets(world):
        client = _client(world, role)
        with transaction.atomic():
            without = _send(client, method, url, token=None)
            transaction.set_rollback(True)
        with transaction.atomic():
            with_token = _send(client, method, url, token=CSRF_COOKIE)
            transaction.set_rollback(True)
        checked += 1
        if not _csrf_refusal(without):
            missing.append(f"{method} {url} as {role}: {without.status_code} without a CSRF token")
        if _csrf_refusal(with_token):
            wrongly_refused.append(f"{method} {url} as {role}: refused even with the token")
    write_figures("csrf", {"state_changing_route_methods": checked})
    assert checked > 50
    assert not missing, "\n".join(missing)
    assert not wrongly_refused, "\n".join(wrongly_refused)


def test_an_api_token_needs_no_csrf_token(world, db):
    from clinic.services import api_token_create

    _token, plaintext = api_token_create(user=world.users["therapist"], name="script")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {plaintext}")
    response = client.post("/api/v1/tokens/", data={"name": "another"}, content_type="application/json")
    assert response.status_code == 201
