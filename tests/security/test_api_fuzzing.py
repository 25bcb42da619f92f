"""Schemathesis over the OpenAPI schema, in-process (WSGI) on the test database, as every role.

Each generated case is sent once, as one role, the roles taken in turn from example to example of
an operation (an API token per account, no token, a device token), so every operation is called as
every role. Integer path arguments are pointed at clinic A's real objects (random ids would only
meet 404s, which the authorisation matrix covers), so the generated bodies and queries reach the
code behind the access checks; malformed path arguments (negative cases) are sent as generated.
Every answer must be no 5xx and conform to the schema (status code documented, content type, body
shape).

Each case runs in a savepoint that is rolled back, so examples do not pile up state.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.security import matrix
from tests.security.figures import write_figures

MAX_EXAMPLES = 4  # per operation for the fuzzing phase (the examples and coverage phases add their own)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
API_ROLES = (matrix.ANON, matrix.PAT, matrix.OPAT, matrix.TH, matrix.OTH, matrix.ADM, matrix.OADM, matrix.DEV)

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()

TALLY = {"operations": 0, "examples": 0, "requests": 0}
OPERATIONS: set[str] = set()
ROLES_SEEN: dict[str, set[str]] = {}


@pytest.fixture(scope="module", autouse=True)
def _write_figures():
    yield
    write_figures("api_fuzzing", dict(TALLY, max_examples_per_operation=MAX_EXAMPLES, roles=len(API_ROLES)))


@pytest.fixture(scope="module", autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes old connections around each request; Django's own test client turns
    that off so the test's transaction survives, and so do we."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def role_headers(world, django_db_blocker) -> dict[str, dict[str, str]]:
    from clinic.services import api_token_create

    headers: dict[str, dict[str, str]] = {matrix.ANON: {}}
    with django_db_blocker.unblock():
        for role, user in world.users.items():
            _token, plaintext = api_token_create(user=user, name=f"fuzzing as {role}")
            headers[role] = {"Authorization": f"Token {plaintext}"}
    headers[matrix.DEV] = {"Authorization": f"Bearer {world.device_tokens['device']}"}
    return headers


def _with_world_ids(case, world):
    """The same case with its integer path arguments replaced by clinic A's objects."""
    if not case.path_parameters:
        return None
    replaced = dict(case.path_parameters)
    for name, value in replaced.items():
        source = matrix.DEFAULT_KWARGS.get(name)
        if source is not None and isinstance(value, int) and not isinstance(value, bool):
            replaced[name] = getattr(world, source).pk
    if replaced == case.path_parameters:
        return None
    return case.operation.Case(
        method=case.method,
        path_parameters=replaced,
        headers=case.headers,
        query=case.query,
        body=case.body,
        media_type=case.media_type,
    )


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_answers_every_role_without_errors_and_as_its_schema_says(case, world, role_headers, db, settings):
    settings.API_AUTH_FAILURES_AUDITED_PER_MINUTE = 1_000_000
    label = case.operation.label
    OPERATIONS.add(label)
    seen = ROLES_SEEN.setdefault(label, set())
    role = API_ROLES[TALLY["examples"] % len(API_ROLES)]
    seen.add(role)
    TALLY["examples"] += 1
    TALLY["operations"] = len(OPERATIONS)
    TALLY["operations_called_as_every_role"] = sum(len(roles) == len(API_ROLES) for roles in ROLES_SEEN.values())
    variant = _with_world_ids(case, world) or case
    with transaction.atomic():
        TALLY["requests"] += 1
        variant.call_and_validate(headers=role_headers[role], checks=CHECKS)
        transaction.set_rollback(True)
