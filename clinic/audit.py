"""The audit trail: every read and write of patient data, and every denied attempt.

Services call ``audit_record`` inside their transaction, so the row commits with the change or not
at all. The request's client address reaches it through a context variable set by
``AuditContextMiddleware`` (HTTP) or by the consumer (websockets), so services need no request.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings

from clinic.models import AuditEvent, Clinic, User

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_client_ip", default=None)


def client_ip_from_meta(meta: dict) -> str | None:
    # Only trust X-Forwarded-For when a proxy in front of us sets it (production compose).
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return meta.get("REMOTE_ADDR") or None


@contextmanager
def audit_client(ip: str | None) -> Iterator[None]:
    token = _client_ip.set(ip)
    try:
        yield
    finally:
        _client_ip.reset(token)


def current_client_ip() -> str | None:
    return _client_ip.get()


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: Any = "",
    clinic: Clinic | None = None,
    patient_id: int | None = None,
    outcome: str = AuditEvent.Outcome.OK,
    extra: dict | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one audit row. ``actor`` is a User, an AnonymousUser, None, or a device label."""
    user = actor if isinstance(actor, User) else None
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or obj.pk
        if patient_id is None:
            patient_id = _patient_id_of(obj)
        if clinic is None:
            clinic = getattr(obj, "clinic", None) if hasattr(obj, "clinic_id") else None
    if clinic is None and user is not None:
        clinic = user.clinic
    if not actor_label:
        if user is not None:
            # A patient's username is their e-mail: the trail outlives the record, so it keeps the id only.
            actor_label = f"patient user {user.pk}" if user.role == "patient" else user.username
        else:
            actor_label = "anonymous" if actor is not None else "system"
    return AuditEvent.objects.create(
        actor=user,
        actor_label=actor_label[:160],
        actor_role=(user.role or ("superuser" if user.is_superuser else "")) if user else "",
        clinic=clinic,
        action=action,
        outcome=outcome,
        object_type=object_type,
        object_id=str(object_id)[:64],
        patient_id=patient_id,
        ip=current_client_ip(),
        extra=extra or {},
    )


def _patient_id_of(obj: Any) -> int | None:
    if obj._meta.model_name == "patient" and obj._meta.app_label == "patients":
        return obj.pk
    return getattr(obj, "patient_id", None)
