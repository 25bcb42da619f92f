"""Every URL route × every role: allowed or refused as the matrix says, refusals audited, no leaks.

For each route of Django's URL resolver (matrix entry in ``tests/security/matrix.py``) and each
method its view answers, each role requests the route with the URL arguments filled by clinic A's
objects. Each request runs in a savepoint that is rolled back, so an allowed write (a revoked
device, a discarded evaluation) does not change what the next role meets.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.urls import reverse

from clinic.models import AuditEvent
from tests.security import matrix
from tests.security.figures import write_figures
from tests.security.routes import UrlRoute, fill_kwargs, url_routes, view_methods
from tests.security.world import ROLES, SECRET, World

ALL_ROUTES = url_routes()
APP_ROUTES = [route for route in ALL_ROUTES if not route.is_admin_site]
ADMIN_ROUTES = [route for route in ALL_ROUTES if route.is_admin_site]
LOGIN_PATHS = ("/accounts/login/", "/django-admin/login/")
# Roles whose refusals must leave an audit row: the signed-in accounts. Anonymous requests are sent
# to the login page (axes keeps the failed sign-ins), and tokens that are not API tokens are refused
# by the API's authentication, which audits them.
AUDITED_ROLES = {matrix.PAT, matrix.OPAT, matrix.TH, matrix.OTH, matrix.ADM, matrix.OADM}
TOKEN_ROLES = {matrix.DEV, matrix.RDEV}

# Filled in by the tests, printed at the end of the module (docs/security.md quotes the figures).
TALLY: dict[str, int] = {"routes": 0, "route_methods": 0, "requests": 0, "allowed": 0, "denied": 0}


@dataclass
class Outcome:
    status: int
    verdict: str  # "allow", "deny" or "error"
    body: str
    denied_audits: int
    html: bool


def classify(response) -> str:
    status = response.status_code
    if status in (401, 403, 404):
        return "deny"
    if status in (301, 302, 303, 307, 308):
        location = response.get("Location", "")
        # Sent to sign in first (with where they wanted to go); a logout landing on the login page is not.
        to_login = any(p in location for p in LOGIN_PATHS) and "next=" in location
        return "deny" if to_login else "allow"
    # Past the access check: a refused body (400, 415 for a JSON body where a file is expected).
    if 200 <= status < 300 or status in (400, 409, 415, 422):
        return "allow"
    return "error"


def body_text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def request_as(client, method: str, url: str, *, api: bool, user) -> Outcome:
    before = AuditEvent.objects.filter(outcome=AuditEvent.Outcome.DENIED).count()
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        elif api:
            response = client.generic(method, url, data=b"{}", content_type="application/json")
        else:
            response = client.generic(method, url, data=b"", content_type="application/x-www-form-urlencoded")
        denied = AuditEvent.objects.filter(outcome=AuditEvent.Outcome.DENIED).count() - before
        text = body_text(response)
        transaction.set_rollback(True)
    html = response.get("Content-Type", "").startswith("text/html")
    return Outcome(response.status_code, classify(response), text, denied, html)


def leaked(role: str, text: str) -> list[str]:
    return [word for kind in matrix.NEVER_SEEN[role] for word in SECRET[kind] if word in text]


def check(
    route_name: str, url: str, methods, allowed_for, clients, world, *, api: bool, shows_target: bool = False
) -> list[str]:
    problems: list[str] = []
    for method in methods:
        allowed = allowed_for(method)
        TALLY["route_methods"] += 1
        for role in ROLES:
            outcome = request_as(clients[role], method, url, api=api, user=world.users.get(role))
            TALLY["requests"] += 1
            expected = "allow" if role in allowed else "deny"
            where = f"{method} {url} as {role}"
            if outcome.verdict == "error":
                problems.append(f"{where}: unexpected {outcome.status}")
                continue
            TALLY["allowed" if outcome.verdict == "allow" else "denied"] += 1
            if outcome.verdict != expected:
                problems.append(f"{where}: {outcome.verdict} ({outcome.status}), expected {expected}")
            if words := leaked(role, outcome.body):
                problems.append(f"{where}: shows {words} ({outcome.status})")
            # An allowed page of a patient's object shows that patient (the request reached it).
            page_of_target = shows_target and method == "GET" and outcome.status == 200 and outcome.html
            if page_of_target and "Quillfeather" not in outcome.body:
                problems.append(f"{where}: allowed, but the page does not show the patient")
            must_audit = role in AUDITED_ROLES or (api and role in TOKEN_ROLES)
            if outcome.verdict == "deny" and must_audit and outcome.denied_audits < 1:
                problems.append(f"{where}: refused ({outcome.status}) but not audited")
    return problems


@pytest.fixture(scope="module", autouse=True)
def _write_figures():
    yield
    write_figures("authorisation_matrix", TALLY)


@pytest.mark.parametrize("route", APP_ROUTES, ids=[r.name for r in APP_ROUTES])
def test_each_route_answers_each_role_as_the_matrix_says(route, world, clients, settings):
    # Every refused device token is audited here (the per-address cap is tested on its own).
    settings.API_AUTH_FAILURES_AUDITED_PER_MINUTE = 1_000_000
    entry = matrix.ROUTES_BY_NAME.get(route.name)
    assert entry is not None, f"{route.name} has no entry in tests/security/matrix.py"
    url = reverse(route.name, kwargs=fill_kwargs(entry, route, world))
    if entry.query is not None:
        url = f"{url}?{entry.query(world)}"
    methods = entry.methods or view_methods(route.callback)
    TALLY["routes"] += 1
    problems = check(
        route.name,
        url,
        methods,
        entry.allowed,
        clients,
        world,
        api=url.startswith("/api/"),
        shows_target="patient_id" in route.params,
    )
    assert not problems, "\n".join(problems)


def test_the_admin_site_is_closed_to_every_role(world, clients, settings):
    """Django's admin is for superusers only; none of the roles reaches any of its pages."""
    problems: list[str] = []
    for route in ADMIN_ROUTES:
        url = "/django-admin/" + _admin_path(route, world)
        TALLY["routes"] += 1
        entry = matrix.ADMIN_SITE_OPEN if route.name in matrix.ADMIN_SITE_OPEN_NAMES else matrix.ADMIN_SITE
        problems += check(route.name, url, ("GET",), entry.allowed, clients, world, api=False)
    assert not problems, "\n".join(problems)


def _admin_path(route: UrlRoute, world: World) -> str:
    text = route.prefix.removeprefix("django-admin/") + str(route.pattern.pattern)
    text = text.replace("^", "").replace("$", "")
    replacements = {
        "<path:object_id>": str(world.patient.user.pk),
        "<int:pk>": "1",
        "<id>": str(world.patient.user.pk),
        "<path:content_type_id>": "1",
        "(?P<app_label>auth|axes|otp_totp|clinic)/": "clinic/",
        "(?P<url>.*)": "nothing/here/",
    }
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text


def test_every_route_has_an_entry_and_every_entry_a_route():
    names = {route.name for route in APP_ROUTES}
    missing = sorted(names - set(matrix.ROUTES_BY_NAME))
    stale = sorted(set(matrix.ROUTES_BY_NAME) - names)
    assert not missing, f"routes without an entry in tests/security/matrix.py: {missing}"
    assert not stale, f"entries in tests/security/matrix.py without a route: {stale}"
    assert len(matrix.ROUTES) == len(matrix.ROUTES_BY_NAME), "a route has two entries"
