"""Who may open the device stream: a bearer token of an active device, never a browser page."""

from __future__ import annotations

from channels.db import database_sync_to_async

from clinic import services
from clinic.models import AuditEvent, EdgeDevice
from tests.ingest.helpers import connect


@database_sync_to_async
def _audit(action: str, outcome: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, outcome=outcome))


async def test_a_valid_token_connects_and_is_counted_and_audited(device):
    ws = await connect(device.token)
    assert ws.connected
    await ws.disconnect()
    dev = await database_sync_to_async(EdgeDevice.objects.get)(pk=device.pk)
    assert dev.connections == 1 and dev.last_ip == "127.0.0.1" and dev.last_seen_at is not None
    [connected] = await _audit("device.connect", "ok")
    assert connected.object_id == str(device.pk) and connected.clinic_id == device.clinic_id
    assert device.token not in str(connected.extra) and device.token not in connected.actor_label
    [left] = await _audit("device.disconnect", "ok")
    assert left.extra["windows"] == 0


async def test_no_token_an_unknown_token_and_a_malformed_header_are_refused(device):
    for token in [None, "rtd_deadbeef_" + "x" * 43, device.token[:-2]]:
        ws = await connect(token, hello=False)
        assert not ws.connected
    denied = await _audit("device.connect", "denied")
    assert sorted(e.extra["reason"] for e in denied) == ["no_token", "unknown_token", "unknown_token"]


async def test_a_revoked_device_is_refused(device, admin_a):
    await database_sync_to_async(services.device_revoke)(actor=admin_a, device=device)
    ws = await connect(device.token, hello=False)
    assert not ws.connected
    [denied] = await _audit("device.connect", "denied")
    assert denied.extra["reason"] == "revoked" and denied.object_id == str(device.pk)


async def test_a_request_with_a_browser_origin_is_refused_even_with_a_valid_token(device):
    ws = await connect(device.token, origin="http://127.0.0.1:8000", hello=False)
    assert not ws.connected
    [denied] = await _audit("device.connect", "denied")
    assert denied.extra["reason"] == "browser_origin"
    dev = await database_sync_to_async(EdgeDevice.objects.get)(pk=device.pk)
    assert dev.connections == 0


async def test_repeated_failures_from_one_address_are_throttled_and_not_each_audited(device, settings):
    settings.INGEST_AUTH_FAILURES_PER_MINUTE = 3
    for _ in range(8):
        ws = await connect("rtd_deadbeef_" + "y" * 43, hello=False)
        assert not ws.connected
    # Even the right token is refused while the address is throttled.
    ws = await connect(device.token, hello=False)
    assert not ws.connected
    denied = await _audit("device.connect", "denied")
    reasons = [e.extra["reason"] for e in denied]
    assert reasons.count("unknown_token") == 3 and reasons.count("throttled") == 1
