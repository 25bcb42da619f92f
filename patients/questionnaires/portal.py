"""The portal section this area adds to the patient's home page (``PORTAL_SECTIONS``)."""

from __future__ import annotations

from django.utils import timezone

from patients.questionnaires.selectors import due_for_patient
from patients.scales.questionnaires import INSTRUMENTS

# Rough time to fill each, shown so the patient knows what they are starting.
MINUTES = {"saq": 2, "face": 4, "fdi": 3}


def questionnaires_due_section(patient, request) -> dict | None:
    assignments = list(due_for_patient(patient))
    if not assignments:
        return None
    today = timezone.localdate()
    items = [
        {
            "assignment": a,
            "title": INSTRUMENTS[a.instrument].full_title,
            "short": INSTRUMENTS[a.instrument].title,
            "questions": len(INSTRUMENTS[a.instrument].questions),
            "minutes": MINUTES.get(a.instrument, 3),
            "overdue": a.due_on is not None and a.due_on < today,
            "due_soon": a.due_on is not None and 0 <= (a.due_on - today).days <= 3,
        }
        for a in assignments
    ]
    return {"order": 10, "template": "portal/_questionnaires_due.html", "context": {"items": items}}
