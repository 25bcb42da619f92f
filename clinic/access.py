"""Clinic-admin objects (accounts, chairs, devices) are fetched only through these helpers."""

from __future__ import annotations

from clinic.models import Chair, EdgeDevice, User
from patients.access import deny


def _pk(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def access_member(admin: User, user_id) -> User:
    member = User.objects.filter(pk=_pk(user_id), clinic_id=admin.clinic_id).first() if admin.is_clinic_admin else None
    if member is None:
        raise deny(admin, action="account.view", object_type="user", object_id=str(user_id)[:64])
    return member


def access_chair(admin: User, chair_id) -> Chair:
    chair = Chair.objects.filter(pk=_pk(chair_id), clinic_id=admin.clinic_id).first() if admin.is_clinic_admin else None
    if chair is None:
        raise deny(admin, action="chair.view", object_type="chair", object_id=str(chair_id)[:64])
    return chair


def access_device(admin: User, device_id) -> EdgeDevice:
    device = (
        EdgeDevice.objects.filter(pk=_pk(device_id), clinic_id=admin.clinic_id).first()
        if admin.is_clinic_admin
        else None
    )
    if device is None:
        raise deny(admin, action="device.view", object_type="edgedevice", object_id=str(device_id)[:64])
    return device
