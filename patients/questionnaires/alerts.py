"""Therapist dashboard alerts from this area (``DASHBOARD_ALERT_PROVIDERS``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from patients.questionnaires.selectors import overdue_for


def overdue_questionnaires(therapist) -> list[dict]:
    today = timezone.localdate()
    alerts = []
    for assignment in overdue_for(therapist, today=today)[:50]:
        days = (today - assignment.due_on).days
        alerts.append(
            {
                "patient": assignment.patient,
                "kind": "questionnaire_overdue",
                "severity": "warn" if days > 7 else "info",
                "message": f"{assignment.definition.title} not filled in; due {days} day(s) ago.",
                "url": reverse("patients:questionnaire", args=[assignment.patient_id, assignment.pk]),
            }
        )
    return alerts
