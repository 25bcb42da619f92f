from __future__ import annotations

from clinic import services
from clinic.models import AuditEvent, EdgeDevice


def test_only_a_keyed_hash_of_the_device_token_is_stored(admin_a, clinic_a):
    result = services.device_register(actor=admin_a, clinic=clinic_a, name="pi-1", chair=None)
    device = EdgeDevice.objects.get(pk=result.device.pk)
    assert result.token.startswith(f"rtd_{device.token_prefix}_")
    stored = {f.attname: getattr(device, f.attname) for f in EdgeDevice._meta.fields}
    assert all(result.token not in str(value) for value in stored.values())
    secret_part = result.token.split("_", 2)[2]
    assert all(secret_part not in str(value) for value in stored.values())
    assert len(device.token_digest) == 64
    assert services.device_authenticate(result.token) == device


def test_a_revoked_token_is_refused(admin_a, clinic_a):
    result = services.device_register(actor=admin_a, clinic=clinic_a, name="pi-1", chair=None)
    services.device_revoke(actor=admin_a, device=result.device)
    assert services.device_authenticate(result.token) is None
    assert AuditEvent.objects.filter(action="device.revoke", object_id=str(result.device.pk)).exists()


def test_rotation_replaces_the_token_at_once(admin_a, clinic_a):
    first = services.device_register(actor=admin_a, clinic=clinic_a, name="pi-1", chair=None)
    second = services.device_rotate(actor=admin_a, device=first.device)
    assert services.device_authenticate(first.token) is None
    assert services.device_authenticate(second.token).pk == first.device.pk


def test_tampered_and_malformed_tokens_are_refused(admin_a, clinic_a):
    result = services.device_register(actor=admin_a, clinic=clinic_a, name="pi-1", chair=None)
    tampered = result.token[:-1] + ("A" if result.token[-1] != "A" else "B")
    for bad in [tampered, "", "rtd_", "Bearer x", "rta" + result.token[3:], result.token + "x" * 200]:
        assert services.device_authenticate(bad) is None


def test_register_page_shows_the_token_once(client_of, admin_a, clinic_a):
    client = client_of(admin_a)
    response = client.post("/console/devices/new/", {"device-name": "chair-pi"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    device = EdgeDevice.objects.get(name="chair-pi")
    token = response.context["token"]
    assert token in response.content.decode()
    assert services.device_authenticate(token) == device
    listing = client.get("/console/devices/").content.decode()
    assert token not in listing and f"rtd_{device.token_prefix}_" in listing


def test_admin_of_another_clinic_cannot_touch_the_device(client_of, admin_a, admin_b, clinic_a):
    result = services.device_register(actor=admin_a, clinic=clinic_a, name="pi-1", chair=None)
    response = client_of(admin_b).post(f"/console/devices/{result.device.pk}/revoke/")
    assert response.status_code == 404
    assert services.device_authenticate(result.token) is not None
