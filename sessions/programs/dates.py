"""Dates in the clinic's time zone: a patient's "today" is the clinic's local day."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime

from django.utils import timezone


def clinic_zone(clinic) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(clinic.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def clinic_today(clinic, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(clinic_zone(clinic)).date()


def local_datetime(clinic, value: datetime) -> datetime:
    return value.astimezone(clinic_zone(clinic))
