"""Fetching appointments and goals for a user (built on patients.access; 404 + audit when out of reach)."""

from __future__ import annotations

from patients.access import deny, patients_visible_to
from sessions.models import Appointment, FollowUpGoal


def _pk(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def access_appointment(user, appointment_id, *, action: str = "appointment.view") -> Appointment:
    appointment = (
        Appointment.objects.select_related("patient", "clinic")
        .filter(pk=_pk(appointment_id), patient__in=patients_visible_to(user))
        .first()
    )
    if appointment is None or (user.is_patient and action != "appointment.view"):
        raise deny(user, action=action, object_type="appointment", object_id=str(appointment_id)[:64])
    return appointment


def access_goal(user, goal_id, *, action: str = "followup.goal") -> FollowUpGoal:
    goal = (
        FollowUpGoal.objects.select_related("plan__patient")
        .filter(pk=_pk(goal_id), plan__patient__in=patients_visible_to(user))
        .first()
        if user.is_authenticated and user.is_therapist
        else None
    )
    if goal is None:
        raise deny(user, action=action, object_type="followupgoal", object_id=str(goal_id)[:64])
    return goal
