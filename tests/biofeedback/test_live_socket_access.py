"""Who may open a session's live socket: the Origin check, the session auth, the audit of watchers."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from tests.biofeedback.conftest import ws_cookie_headers


async def _open(session_id: int, headers) -> WebsocketCommunicator:
    from clinic.asgi import application

    communicator = WebsocketCommunicator(application, f"/ws/biofeedback/{session_id}/", headers=headers)
    communicator.scope["client"] = ("127.0.0.1", 50001)
    return communicator


def _audit(action: str, **filters):
    from clinic.models import AuditEvent

    return list(AuditEvent.objects.filter(action=action, **filters).values("actor_label", "outcome", "object_id"))


@pytest.fixture
def session(device, start_session):
    return start_session(device.chair)


async def test_a_therapist_of_the_clinic_watches_and_the_audit_log_says_who(session, therapist_a):
    headers = await database_sync_to_async(ws_cookie_headers)(therapist_a)
    ws = await _open(session.pk, headers)
    connected, _ = await ws.connect()
    assert connected
    state = json.loads(await ws.receive_from(timeout=5))
    assert state["type"] == "state" and state["session"] == session.pk and state["protocol"] == "symmetry"
    assert state["roles"] == {"affected": 0, "healthy": 1}  # patient_a1's left side is affected
    await ws.disconnect()
    watched = await database_sync_to_async(_audit)("biofeedback.watch", object_id=str(session.pk))
    assert watched == [{"actor_label": therapist_a.username, "outcome": "ok", "object_id": str(session.pk)}]
    ended = await database_sync_to_async(_audit)("biofeedback.unwatch", object_id=str(session.pk))
    assert [e["actor_label"] for e in ended] == [therapist_a.username]


async def test_a_second_therapist_of_the_same_clinic_may_watch_too(session, therapist_a2):
    ws = await _open(session.pk, await database_sync_to_async(ws_cookie_headers)(therapist_a2))
    connected, _ = await ws.connect()
    assert connected
    await ws.disconnect()


@pytest.mark.parametrize("who", ["therapist_b", "patient", "anonymous"])
async def test_others_are_refused_and_the_refusal_is_audited(session, who, therapist_b, patient_a1):
    user = {"therapist_b": therapist_b, "patient": patient_a1.user, "anonymous": None}[who]
    headers = (
        [(b"origin", b"http://127.0.0.1")] if user is None else await database_sync_to_async(ws_cookie_headers)(user)
    )
    ws = await _open(session.pk, headers)
    connected, code = await ws.connect()
    assert not connected, f"{who} opened the live socket"
    denied = await database_sync_to_async(_audit)("biofeedback.watch", outcome="denied")
    # Patients are named by id only in the audit trail (it outlives their record).
    if user is None:
        expected = "anonymous"
    elif user.role == "patient":
        expected = f"patient user {user.pk}"
    else:
        expected = user.username
    assert [d["actor_label"] for d in denied] == [expected]
    assert not await database_sync_to_async(_audit)("biofeedback.watch", outcome="ok")


@pytest.mark.parametrize("origin", ["http://evil.example", None])
async def test_a_foreign_or_missing_origin_is_refused_even_with_a_valid_session(session, therapist_a, origin):
    headers = await database_sync_to_async(ws_cookie_headers)(therapist_a, origin=origin)
    ws = await _open(session.pk, headers)
    connected, _ = await ws.connect()
    assert not connected
    assert not await database_sync_to_async(_audit)("biofeedback.watch", outcome="ok")
