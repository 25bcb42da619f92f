"""Reads of follow-up data."""

from __future__ import annotations

from clinic.hooks import call_hooks
from sessions.models import Appointment, Reminder


def measures_for(patient) -> list[dict]:
    """Progress series the patient has (from every area), usable as goal measures."""
    return [
        {
            "key": s["key"],
            "label": s["label"] + (f" ({s['unit']})" if s.get("unit") else ""),
            "higher_is_better": s.get("higher_is_better", True),
            "points": s.get("points", []),
        }
        for s in call_hooks("PROGRESS_SERIES_PROVIDERS", patient)
    ]


def goal_rows(plan, measures: list[dict]) -> list[dict]:
    by_key = {m["key"]: m for m in measures}
    rows = []
    for goal in plan.goals.all() if plan else []:
        measure = by_key.get(goal.measure_key)
        latest = measure["points"][-1] if measure and measure["points"] else None
        reached = None
        if latest is not None and goal.target_value is not None:
            reached = (
                latest["value"] >= goal.target_value if goal.higher_is_better else latest["value"] <= goal.target_value
            )
        rows.append({"goal": goal, "latest": latest, "reached": reached})
    return rows


def appointments_of(patient):
    return Appointment.objects.filter(patient=patient).select_related("therapist").order_by("-starts_at")


def reminders_of(patient):
    return Reminder.objects.filter(patient=patient).order_by("-created_at")[:20]


def clinic_appointments(clinic, *, start, end, therapist=None):
    appointments = Appointment.objects.filter(clinic=clinic, starts_at__gte=start, starts_at__lt=end).select_related(
        "patient", "therapist"
    )
    if therapist is not None:
        appointments = appointments.filter(therapist=therapist)
    return appointments.order_by("starts_at")
