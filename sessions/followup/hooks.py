"""Timeline entries of follow-up: appointments and discharge."""

from __future__ import annotations

from django.urls import reverse

from sessions.models import Appointment, FollowUpPlan


def timeline(patient) -> list[dict]:
    url = reverse("therapy:patient-followup", args=[patient.pk])
    entries = [
        {
            "at": a.starts_at,
            "kind": "appointment",
            "title": f"{a.get_kind_display()} ({a.get_status_display().lower()})",
            "detail": a.location,
            "url": url,
        }
        for a in Appointment.objects.filter(patient=patient).exclude(status=Appointment.Status.CANCELLED)
    ]
    plan = FollowUpPlan.objects.filter(patient=patient, status=FollowUpPlan.Status.DISCHARGED).first()
    if plan and plan.discharged_at:
        entries.append(
            {
                "at": plan.discharged_at,
                "kind": "discharge",
                "title": "Discharged",
                "detail": plan.discharge_summary[:200],
                "url": url,
            }
        )
    return entries
