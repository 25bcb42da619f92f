"""What the home-program area adds to other areas' pages (see docs/extension-points.md)."""

from __future__ import annotations

from django.urls import reverse

from sessions.models import Program, ReleaseDay
from sessions.programs import adherence


def timeline(patient) -> list[dict]:
    url = reverse("therapy:patient-program", args=[patient.pk])
    entries = []
    for program in Program.objects.filter(patient=patient).exclude(status=Program.Status.DRAFT):
        if program.activated_at:
            entries.append(
                {
                    "at": program.activated_at,
                    "kind": "home_program",
                    "title": "Home program given",
                    "detail": f"{program.title} ({program.items.count()} exercises)",
                    "url": reverse("therapy:program", args=[program.pk]),
                }
            )
        if program.ended_at:
            entries.append(
                {
                    "at": program.ended_at,
                    "kind": "home_program",
                    "title": f"Home program {program.get_status_display().lower()}",
                    "detail": program.title,
                    "url": reverse("therapy:program", args=[program.pk]),
                }
            )
    for release in ReleaseDay.objects.filter(patient=patient):
        entries.append(
            {
                "at": release.date,
                "kind": "practice_flag",
                "title": "Tight day: switched to release work",
                "detail": f"Tightness {release.tightness}/10 (switch at {release.threshold})",
                "url": url,
            }
        )
    return entries


def progress_series(patient) -> list[dict]:
    return [
        {
            "key": "home_program.adherence",
            "label": "Home practice adherence",
            "unit": "%",
            "group": "Home program",
            "points": adherence.weekly_series(patient),
            "higher_is_better": True,
        },
        {
            "key": "home_program.tightness",
            "label": "Mean reported tightness",
            "unit": "0–10",
            "group": "Home program",
            "points": adherence.tightness_weekly(patient),
            "higher_is_better": False,
        },
    ]
