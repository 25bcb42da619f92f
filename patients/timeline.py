"""The patient's timeline: this area's events plus whatever other areas add through
``PATIENT_TIMELINE_PROVIDERS`` (sessions, home programs, photos…), newest first."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from django.urls import reverse

from clinic.hooks import call_hooks
from patients.models import Consent, Patient, QuestionnaireAssignment, StageChange
from patients.scales import SCALES, house_brackmann

SECTION_TITLES = {code: module.TITLE for code, module in SCALES.items()} | {"notes": "notes", "details": "details"}
KIND_LABELS = {
    "onset": "Onset",
    "evaluation": "Evaluations",
    "amendment": "Amendments",
    "questionnaire": "Questionnaires",
    "toxin": "Botulinum toxin",
    "treatment": "Treatments",
    "consent": "Consent",
    "stage": "Stage",
}


def _sort_key(at) -> datetime:
    if isinstance(at, datetime):
        return at if at.tzinfo else at.replace(tzinfo=UTC)
    if isinstance(at, date):
        # A dated event without a time sorts at the end of its day, after timed events of that day.
        return datetime.combine(at, time.max, tzinfo=UTC)
    return datetime.min.replace(tzinfo=UTC)


def _evaluation_detail(evaluation) -> str:
    parts = []
    for entry in evaluation.scales.all():
        scores = entry.scores
        if entry.scale == "house_brackmann" and scores.get("grade"):
            parts.append(f"HB {house_brackmann.ROMAN[scores['grade']]}")
        elif entry.scale == "sunnybrook" and scores.get("composite") is not None:
            parts.append(f"Sunnybrook {scores['composite']}")
        elif entry.scale == "eface" and scores.get("total") is not None:
            parts.append(f"eFACE {scores['total']} (provisional total)")
    return " · ".join(parts)


def own_entries(patient: Patient) -> list[dict]:
    entries: list[dict] = []
    if patient.onset_date:
        entries.append(
            {
                "at": patient.onset_date,
                "kind": "onset",
                "title": f"Onset: {patient.get_etiology_display()}",
                "detail": f"{patient.get_affected_side_display()} side. {patient.etiology_detail}".strip(),
                "url": "",
            }
        )
    for evaluation in patient.evaluations.select_related("clinician").prefetch_related("scales", "amendments__by"):
        url = reverse("patients:evaluation", args=[patient.pk, evaluation.pk])
        status = "signed" if evaluation.is_locked else "draft"
        entries.append(
            {
                "at": evaluation.performed_on,
                "kind": "evaluation",
                "title": f"{evaluation.get_kind_display()} ({status})",
                "detail": " · ".join(filter(None, [_evaluation_detail(evaluation), evaluation.clinician.display_name])),
                "url": url,
            }
        )
        for amendment in evaluation.amendments.all():
            entries.append(
                {
                    "at": amendment.at,
                    "kind": "amendment",
                    "title": f"Amended: {SECTION_TITLES.get(amendment.section, amendment.section)} of the "
                    f"{evaluation.performed_on:%d %b %Y} evaluation",
                    "detail": f"{amendment.by.display_name}: {amendment.reason}",
                    "url": url,
                }
            )
    for assignment in patient.questionnaires.all():
        title = assignment.definition.title
        url = reverse("patients:questionnaire", args=[patient.pk, assignment.pk])
        if assignment.status == QuestionnaireAssignment.Status.COMPLETED:
            entries.append(
                {
                    "at": assignment.completed_at,
                    "kind": "questionnaire",
                    "title": f"{title} completed",
                    "detail": questionnaire_summary(assignment),
                    "url": url,
                }
            )
        due = f", due {assignment.due_on:%d %b}" if assignment.due_on else ""
        entries.append(
            {
                "at": assignment.assigned_at,
                "kind": "questionnaire",
                "title": f"{title} assigned{due}",
                "detail": "Cancelled" if assignment.status == QuestionnaireAssignment.Status.CANCELLED else "",
                "url": url,
            }
        )
    treatments_url = reverse("patients:treatments", args=[patient.pk])
    for injection in patient.toxin_injections.prefetch_related("sites"):
        sites = list(injection.sites.all())
        entries.append(
            {
                "at": injection.given_on,
                "kind": "toxin",
                "title": f"Botulinum toxin ({injection.product})",
                "detail": f"{injection.total_units} U in {len(sites)} site(s): "
                + ", ".join(f"{s.get_muscle_display()} {s.side[0].upper()} {s.units} U" for s in sites),
                "url": treatments_url,
            }
        )
    for treatment in patient.treatments.all():
        entries.append(
            {
                "at": treatment.performed_on,
                "kind": "treatment",
                "title": f"{treatment.get_kind_display()}: {treatment.title}",
                "detail": treatment.detail[:200],
                "url": treatments_url,
            }
        )
    for consent in Consent.objects.filter(patient=patient):
        entries.append(
            {
                "at": consent.given_on,
                "kind": "consent",
                "title": f"Consent {'given' if consent.granted else 'refused'}: {consent.get_kind_display()}",
                "detail": (f"Withdrawn {consent.withdrawn_on:%d %b %Y}. " if consent.withdrawn_on else "")
                + consent.note,
                "url": "",
            }
        )
    for change in StageChange.objects.filter(patient=patient).select_related("changed_by"):
        entries.append(
            {
                "at": change.changed_at,
                "kind": "stage",
                "title": f"Stage {change.to_stage}" + (f" (was {change.from_stage})" if change.from_stage else ""),
                "detail": change.note,
                "url": "",
            }
        )
    return entries


def questionnaire_summary(assignment: QuestionnaireAssignment) -> str:
    definition = assignment.definition
    scores = assignment.scores or {}
    parts = []
    for score in definition.scores:
        value = scores.get(score["key"])
        if value is not None:
            parts.append(f"{score['label']} {value}")
    return " · ".join(parts[:3])


def timeline_entries(patient: Patient, *, kinds: set[str] | None = None) -> list[dict]:
    entries = own_entries(patient) + call_hooks("PATIENT_TIMELINE_PROVIDERS", patient)
    if kinds:
        entries = [e for e in entries if e.get("kind") in kinds]
    entries.sort(key=lambda e: _sort_key(e.get("at")), reverse=True)
    for entry in entries:
        at = entry.get("at")
        entry["date"] = at.date() if isinstance(at, datetime) else at
        entry["kind_label"] = KIND_LABELS.get(
            entry.get("kind", ""), str(entry.get("kind", "")).replace("_", " ").title()
        )
    return entries
