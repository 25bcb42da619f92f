from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from clinic.models import AuditEvent, Chair, Clinic, EdgeDevice, User


def members_of(clinic: Clinic, *, role: str = "", status: str = "", query: str = "") -> QuerySet[User]:
    members = User.objects.filter(clinic=clinic).order_by("role", "last_name", "first_name")
    if role:
        members = members.filter(role=role)
    if status == "active":
        members = members.filter(is_active=True)
    elif status == "inactive":
        members = members.filter(is_active=False, activated_at__isnull=False)
    elif status == "invited":
        members = members.filter(activated_at__isnull=True, invited_at__isnull=False)
    if query:
        from django.db.models import Q

        members = members.filter(
            Q(email__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
        )
    return members


def chairs_of(clinic: Clinic) -> QuerySet[Chair]:
    return Chair.objects.filter(clinic=clinic).prefetch_related("devices")


def devices_of(clinic: Clinic) -> QuerySet[EdgeDevice]:
    return EdgeDevice.objects.filter(clinic=clinic).select_related("chair")


def audit_events_of(
    clinic: Clinic,
    *,
    actor: str = "",
    action: str = "",
    outcome: str = "",
    patient_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(clinic=clinic).select_related("actor")
    if actor:
        events = events.filter(actor_label__icontains=actor)
    if action:
        events = events.filter(action__startswith=action)
    if outcome:
        events = events.filter(outcome=outcome)
    if patient_id is not None:
        events = events.filter(patient_id=patient_id)
    tz = timezone.get_current_timezone()
    if since:
        events = events.filter(at__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until:
        events = events.filter(at__lte=datetime.combine(until, time.max, tzinfo=tz))
    return events
