"""Writes on questionnaires: assign, submit answers, cancel, remind, and the clinic's wording."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from clinic.audit import audit_record
from clinic.errors import DomainError
from clinic.models import Clinic, User
from patients.models import (
    Consent,
    Evaluation,
    Patient,
    QuestionnaireAssignment,
    QuestionnaireReminder,
    QuestionnaireWording,
)
from patients.questionnaires.wording import INSTRUCTIONS_KEY, instrument_for_clinic
from patients.scales import ScaleError
from patients.scales.questionnaires import INSTRUMENTS, get_instrument

logger = logging.getLogger(__name__)


class AnswersInvalid(DomainError):
    """Refused answers; ``errors`` maps each question code to its message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        first_field, first_message = next(iter(self.errors.items()))
        super().__init__(f"{first_field}: {first_message}", field=first_field, code="invalid_answers")


def _ensure_therapist(actor: User, patient: Patient) -> None:
    if not (actor.is_authenticated and actor.is_therapist and actor.clinic_id == patient.clinic_id):
        raise PermissionDenied("Only therapists of the patient's clinic manage questionnaires.")


@transaction.atomic
def questionnaire_assign(
    *,
    actor: User,
    patient: Patient,
    instrument: str,
    due_on: date | None = None,
    message: str = "",
    evaluation: Evaluation | None = None,
) -> QuestionnaireAssignment:
    _ensure_therapist(actor, patient)
    if instrument not in INSTRUMENTS:
        raise DomainError("Unknown questionnaire.", field="instrument")
    if due_on is not None and due_on < timezone.localdate():
        raise DomainError("The due date has already passed.", field="due_on")
    if evaluation is not None and evaluation.patient_id != patient.pk:
        raise DomainError("That evaluation belongs to another patient.", field="evaluation")
    Patient.objects.select_for_update().filter(pk=patient.pk).first()  # serialise assignments per patient
    waiting = QuestionnaireAssignment.objects.filter(
        patient=patient, instrument=instrument, status=QuestionnaireAssignment.Status.PENDING
    ).first()
    if waiting is not None:
        raise DomainError(
            f"A {INSTRUMENTS[instrument].title} is already waiting for this patient; cancel it first.",
            field="instrument",
            code="duplicate",
        )
    assignment = QuestionnaireAssignment.objects.create(
        patient=patient,
        instrument=instrument,
        due_on=due_on,
        message=message.strip()[:300],
        evaluation=evaluation,
        assigned_by=actor,
    )
    audit_record(actor=actor, action="questionnaire.assign", obj=assignment, extra={"instrument": instrument})
    return assignment


@transaction.atomic
def questionnaire_submit(
    *, actor: User, assignment: QuestionnaireAssignment, answers: dict[str, Any]
) -> QuestionnaireAssignment:
    """Store and score a complete set of answers: by the patient (portal) or by a therapist (paper form)."""
    assignment = (
        QuestionnaireAssignment.objects.select_for_update()
        .select_related("patient", "patient__clinic")
        .get(pk=assignment.pk)
    )
    patient = assignment.patient
    is_patient = actor.is_authenticated and actor.is_patient and patient.user_id == actor.pk
    if not is_patient:
        _ensure_therapist(actor, patient)
    if assignment.status != QuestionnaireAssignment.Status.PENDING:
        raise DomainError("This questionnaire is no longer open for answers.", code="not_pending")
    instrument = get_instrument(assignment.instrument)
    try:
        cleaned = instrument.validate(answers)
    except ScaleError as exc:
        raise AnswersInvalid(exc.errors) from None
    assignment.answers = cleaned
    assignment.scores = instrument.score(cleaned)
    assignment.scoring_version = instrument.version
    if is_patient:
        assignment.wording = instrument_for_clinic(patient.clinic, assignment.instrument)["wording"]
        assignment.source = QuestionnaireAssignment.Source.PORTAL
    else:
        assignment.wording = "paper"
        assignment.source = QuestionnaireAssignment.Source.CLINIC
    assignment.status = QuestionnaireAssignment.Status.COMPLETED
    assignment.completed_at = timezone.now()
    assignment.completed_by = actor
    assignment.save()
    audit_record(
        actor=actor,
        action="questionnaire.submit",
        obj=assignment,
        extra={"instrument": assignment.instrument, "source": assignment.source},
    )
    return assignment


@transaction.atomic
def questionnaire_cancel(*, actor: User, assignment: QuestionnaireAssignment) -> QuestionnaireAssignment:
    assignment = QuestionnaireAssignment.objects.select_for_update().select_related("patient").get(pk=assignment.pk)
    _ensure_therapist(actor, assignment.patient)
    if assignment.status != QuestionnaireAssignment.Status.PENDING:
        raise DomainError("Only a questionnaire that is still waiting can be cancelled.", code="not_pending")
    assignment.status = QuestionnaireAssignment.Status.CANCELLED
    assignment.cancelled_at = timezone.now()
    assignment.save(update_fields=["status", "cancelled_at"])
    audit_record(actor=actor, action="questionnaire.cancel", obj=assignment)
    return assignment


# --- Reminders -----------------------------------------------------------------------------------


def _reminder_address(patient: Patient) -> str:
    if patient.user_id and patient.user.is_active and patient.user.email:
        return patient.user.email
    return patient.email


def _electronic_contact_refused(patient: Patient) -> bool:
    latest = Consent.objects.filter(patient=patient, kind=Consent.Kind.ELECTRONIC).order_by("-given_on", "-id").first()
    return latest is not None and not latest.in_force


def reminder_candidates(today: date, days: int):
    return (
        QuestionnaireAssignment.objects.filter(
            status=QuestionnaireAssignment.Status.PENDING,
            due_on__gte=today,
            due_on__lte=today + timedelta(days=days),
            patient__is_archived=False,
        )
        .exclude(reminders__kind="due_soon")
        .order_by("due_on", "pk")
    )


def questionnaire_reminders_send(*, today: date | None = None, days: int | None = None) -> int:
    """E-mail each patient once about every questionnaire due within ``days`` days. Returns how many were sent.

    Each assignment is handled in its own transaction: the reminder row (unique per assignment)
    commits together with the sending, so a repeated or concurrent run never e-mails twice.
    """
    today = today or timezone.localdate()
    days = settings.QUESTIONNAIRE_REMINDER_DAYS if days is None else days
    sent = 0
    for assignment_id in list(reminder_candidates(today, days).values_list("pk", flat=True)[:500]):
        try:
            if _remind_one(assignment_id, today, days):
                sent += 1
        except IntegrityError:
            # Another worker recorded this reminder between our read and our insert.
            continue
    return sent


@transaction.atomic
def _remind_one(assignment_id: int, today: date, days: int) -> bool:
    assignment = (
        QuestionnaireAssignment.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("patient", "patient__user", "patient__clinic")
        .filter(pk=assignment_id, status=QuestionnaireAssignment.Status.PENDING)
        .first()
    )
    if assignment is None or assignment.reminders.filter(kind="due_soon").exists():
        return False
    patient = assignment.patient
    address = _reminder_address(patient)
    if not address or _electronic_contact_refused(patient):
        return False
    QuestionnaireReminder.objects.create(assignment=assignment, kind="due_soon", sent_to=address)
    clinic = patient.clinic
    link = settings.SITE_URL + reverse("portal:questionnaire-fill", args=[assignment.pk])
    # No clinical detail in e-mail: the questionnaire's name and the link are enough.
    send_mail(
        subject=f"{clinic.name}: a short questionnaire before your visit",
        message=(
            f"Hello {patient.first_name},\n\n"
            f"Please fill in the {assignment.definition.title} questionnaire before "
            f"{assignment.due_on:%A %d %B}. It takes a few minutes on your phone:\n\n{link}\n\n"
            f"Thank you,\n{clinic.name}\n"
        ),
        from_email=None,
        recipient_list=[address],
    )
    audit_record(
        actor=None,
        actor_label="system",
        action="questionnaire.remind",
        obj=assignment,
        clinic=clinic,
        extra={"due_on": assignment.due_on.isoformat()},
    )
    return True


# --- Clinic wording --------------------------------------------------------------------------------


def _ensure_wording_editor(actor: User, clinic: Clinic) -> None:
    if not (actor.is_authenticated and actor.clinic_id == clinic.pk and actor.is_clinic_staff):
        raise PermissionDenied("Only the clinic's staff edit its questionnaire wording.")


@transaction.atomic
def questionnaire_wording_set(
    *, actor: User, clinic: Clinic, instrument: str, texts: dict[str, str], licence: str = ""
) -> int:
    """Set the clinic's licensed text of items (``_instructions`` for the instructions); blank restores ours.

    Returns the number of items whose text changed.
    """
    _ensure_wording_editor(actor, clinic)
    definition = get_instrument(instrument) if instrument in INSTRUMENTS else None
    if definition is None:
        raise DomainError("Unknown questionnaire.", field="instrument")
    allowed = set(definition.codes) | {INSTRUCTIONS_KEY}
    unknown = sorted(set(texts) - allowed)
    if unknown:
        raise DomainError(f"Unknown items for {definition.title}: {', '.join(unknown)}", field="items")
    existing = {w.item_code: w for w in QuestionnaireWording.objects.filter(clinic=clinic, instrument=instrument)}
    changed = 0
    licence = (licence or "").strip()[:200]
    for code, raw in texts.items():
        text = (raw or "").strip()
        if len(text) > 2000:
            raise DomainError("An item text is at most 2000 characters.", field=code)
        current = existing.get(code)
        if not text:
            if current is not None:
                current.delete()
                changed += 1
            continue
        if current is None:
            QuestionnaireWording.objects.create(
                clinic=clinic, instrument=instrument, item_code=code, text=text, licence=licence, updated_by=actor
            )
            changed += 1
        elif current.text != text or (licence and current.licence != licence):
            current.text = text
            current.licence = licence or current.licence
            current.updated_by = actor
            current.save()
            changed += 1
    audit_record(
        actor=actor,
        action="questionnaire.wording",
        object_type="questionnaire_wording",
        object_id=instrument,
        clinic=clinic,
        extra={"changed": changed},
    )
    return changed


def questionnaire_wording_import(*, actor: User, clinic: Clinic, payload: Any) -> int:
    """Load licensed wording from JSON: ``{"instrument": "face", "licence": "…", "instructions": "…",
    "items": {"face_1": "…", …}}`` (or a list of such objects)."""
    documents = payload if isinstance(payload, list) else [payload]
    changed = 0
    with transaction.atomic():
        for document in documents:
            if not isinstance(document, dict) or not isinstance(document.get("items"), dict):
                raise DomainError(
                    'Expected {"instrument": "…", "items": {"item code": "text", …}}.', field="payload", code="format"
                )
            texts = {str(k): str(v) for k, v in document["items"].items()}
            if document.get("instructions"):
                texts[INSTRUCTIONS_KEY] = str(document["instructions"])
            changed += questionnaire_wording_set(
                actor=actor,
                clinic=clinic,
                instrument=str(document.get("instrument", "")),
                texts=texts,
                licence=str(document.get("licence", "")),
            )
    return changed
