"""Every websocket route × every role, and the Origin rules of the two kinds of socket.

Devices authenticate with a bearer token and never send an Origin; browser sockets sit behind the
Origin check and the session cookie (clinic/routing.py).
"""

from __future__ import annotations

import itertools
import re

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from clinic.models import AuditEvent
from tests.security import matrix
from tests.security.figures import write_figures
from tests.security.routes import websocket_paths
from tests.security.world import ROLES

WS_BY_PATH = {route.name: route for route in matrix.WEBSOCKET_ROUTES}
_addresses = itertools.count(10)
TALLY = {"websocket_routes": 0, "connections": 0}


# Values for the URL arguments of websocket paths, set by the ``people`` fixture.
_ARGUMENTS: dict[str, int] = {}


def _path_text(path: str) -> str:
    """The path to open: ``<int:name>`` arguments filled with the fixture's objects."""
    text = "/" + path.lstrip("/")
    return re.sub(r"<int:(\w+)>", lambda m: str(_ARGUMENTS[m.group(1)]), text)


@pytest.fixture
def people(transactional_db, clinic_a, clinic_b, admin_a, admin_b, therapist_a, therapist_b, patient_a1, patient_a2):
    from clinic import services
    from clinic.models import Chair

    chair = Chair.objects.create(clinic=clinic_a, name="Chair 1")
    active = services.device_register(actor=admin_a, clinic=clinic_a, name="chair1-pi", chair=chair)
    revoked = services.device_register(actor=admin_a, clinic=clinic_a, name="old-pi", chair=None)
    services.device_revoke(actor=admin_a, device=revoked.device)
    from sessions.biofeedback.services import biofeedback_session_start

    session = biofeedback_session_start(
        actor=therapist_a,
        patient=patient_a1,
        chair=chair,
        protocol="symmetry",
        sites=[{"muscle": "zygomaticus_major", "side": "left"}, {"muscle": "zygomaticus_major", "side": "right"}],
    )
    _ARGUMENTS["session_id"] = session.pk
    users = {
        matrix.PAT: patient_a1.user,
        matrix.OPAT: patient_a2.user,
        matrix.TH: therapist_a,
        matrix.OTH: therapist_b,
        matrix.ADM: admin_a,
        matrix.OADM: admin_b,
    }
    headers: dict[str, list[tuple[bytes, bytes]]] = {matrix.ANON: []}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        headers[role] = [(b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]
    headers[matrix.DEV] = [(b"authorization", f"Bearer {active.token}".encode())]
    headers[matrix.RDEV] = [(b"authorization", f"Bearer {revoked.token}".encode())]
    return headers


async def _connect(path: str, headers: list[tuple[bytes, bytes]]) -> tuple[bool, WebsocketCommunicator]:
    from clinic.asgi import application

    communicator = WebsocketCommunicator(application, path, headers=headers)
    # A fresh address per attempt: the refusals are counted per address and throttled.
    communicator.scope["client"] = (f"10.9.{next(_addresses) % 250}.1", 50000)
    connected, _ = await communicator.connect(timeout=10)
    return connected, communicator


@database_sync_to_async
def _denied_connects() -> int:
    return AuditEvent.objects.filter(action="device.connect", outcome=AuditEvent.Outcome.DENIED).count()


def test_every_websocket_route_has_an_entry_and_every_entry_a_route():
    paths = {_path_text(p) for p in websocket_paths()}
    entries = {_path_text(name) for name in WS_BY_PATH}
    assert paths - entries == set(), f"websocket routes without an entry in tests/security/matrix.py: {paths - entries}"
    assert entries - paths == set(), f"websocket entries without a route: {entries - paths}"


async def test_each_websocket_route_admits_only_the_roles_the_matrix_names(people):
    from tests.security.routes import browser_websocket_paths

    browser_paths = set(browser_websocket_paths())
    problems = []
    for path in websocket_paths():
        entry = WS_BY_PATH[path]
        # Browsers always send their Origin; ours is the only one admitted (tested below).
        origin = [(b"origin", b"http://testserver")] if path in browser_paths else []
        TALLY["websocket_routes"] += 1
        for role in ROLES:
            before = await _denied_connects()
            connected, communicator = await _connect(_path_text(path), [*people[role], *origin])
            TALLY["connections"] += 1
            expected = role in entry.allow
            if connected != expected:
                problems.append(f"{path} as {role}: connected={connected}, expected {expected}")
            if connected:
                await communicator.disconnect()
            elif path == "ws/device/" and await _denied_connects() <= before:
                problems.append(f"{path} as {role}: refused but not audited")
    write_figures("websocket_matrix", dict(TALLY))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "origin", ["http://testserver", "http://127.0.0.1:8000", "https://evil.example", "null", "chrome-extension://x"]
)
async def test_the_device_socket_refuses_any_browser_origin_even_with_a_valid_token(people, origin):
    headers = [*people[matrix.DEV], (b"origin", origin.encode())]
    before = await _denied_connects()
    connected, _ = await _connect("/ws/device/", headers)
    assert not connected
    assert await _denied_connects() == before + 1


async def test_a_browser_socket_from_a_foreign_origin_is_refused_before_any_route(people):
    """Every browser socket sits behind the Origin check: a page of another site is refused at the
    door, whichever path it asks for (an unknown path from our own origin reaches the router)."""
    from tests.security.routes import browser_websocket_paths

    for path in [*browser_websocket_paths(), "ws/not-a-route/"]:
        for origin in ("https://evil.example", "http://127.0.0.1.evil.example", "null"):
            connected, _ = await _connect(_path_text(path), [*people[matrix.TH], (b"origin", origin.encode())])
            assert not connected, (path, origin)
    with pytest.raises(ValueError, match="No route found"):
        await _connect("/ws/not-a-route/", [*people[matrix.TH], (b"origin", b"http://testserver")])


async def test_browser_sockets_from_our_own_origin_reach_their_consumer_as_the_matrix_says(people):
    from tests.security.routes import browser_websocket_paths

    for path in browser_websocket_paths():
        entry = WS_BY_PATH[path]
        for role in ROLES:
            connected, communicator = await _connect(
                _path_text(path), [*people[role], (b"origin", b"http://testserver")]
            )
            assert connected == (role in entry.allow), (path, role)
            if connected:
                await communicator.disconnect()


class _WhoAmI:
    """A probe browser consumer: accepts and says who the session is."""

    @classmethod
    def as_asgi(cls):
        from channels.generic.websocket import AsyncJsonWebsocketConsumer

        class Consumer(AsyncJsonWebsocketConsumer):
            async def connect(self):
                await self.accept()
                user = self.scope["user"]
                await self.send_json({"user": user.username if user.is_authenticated else None})

        return Consumer.as_asgi()


async def test_a_browser_route_is_reached_from_our_origin_with_the_session_and_refused_from_another(people):
    """The browser router is mounted so that its routes are reachable (with the session's user) and
    only behind the Origin check: what the live pages' sockets will rely on."""
    from django.urls import path

    from sessions.routing import browser_urlpatterns

    probe = path("ws/security-probe/", _WhoAmI.as_asgi())
    browser_urlpatterns.append(probe)
    try:
        connected, communicator = await _connect(
            "/ws/security-probe/", [*people[matrix.TH], (b"origin", b"http://testserver")]
        )
        assert connected
        assert (await communicator.receive_json_from())["user"] == "tess.ot@a.test"
        await communicator.disconnect()
        connected, _ = await _connect("/ws/security-probe/", [*people[matrix.TH], (b"origin", b"https://evil.example")])
        assert not connected
    finally:
        browser_urlpatterns.remove(probe)
