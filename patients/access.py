"""The only way views, APIs and consumers fetch patient-scoped objects.

Therapists see their own clinic's patients; a patient sees only their own record; clinic admins
manage accounts but do not read clinical records. Anything out of reach is indistinguishable from
something that does not exist (404), and the attempt is audited.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from clinic.audit import audit_record
from clinic.models import AuditEvent
from patients.models import Patient


class NotFoundOrDenied(Http404):
    """Raised for objects that do not exist or that the user may not see (deliberately the same)."""


def patients_visible_to(user) -> QuerySet[Patient]:
    if not user.is_authenticated or not user.is_active:
        return Patient.objects.none()
    if user.is_therapist:
        return Patient.objects.filter(clinic_id=user.clinic_id)
    if user.is_patient:
        return Patient.objects.filter(user=user, clinic_id=user.clinic_id)
    return Patient.objects.none()


def deny(user, *, action: str, object_type: str, object_id) -> NotFoundOrDenied:
    """Audit a refused access and return the 404 to raise."""
    audit_record(
        actor=user if user.is_authenticated else None,
        actor_label="" if user.is_authenticated else "anonymous",
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome=AuditEvent.Outcome.DENIED,
    )
    return NotFoundOrDenied(f"No {object_type} found.")


def access_patient(
    user, patient_id, *, action: str = "patient.view", for_update: bool = False, audit_read: bool = True
) -> Patient:
    """Fetch one patient for ``user`` and audit the access (``action``) or its refusal.

    Writers pass ``audit_read=False``: the service they call audits the write itself.
    """
    try:
        patient_pk = int(patient_id)
    except (TypeError, ValueError):
        raise deny(user, action=action, object_type="patient", object_id=str(patient_id)[:64]) from None
    queryset = patients_visible_to(user)
    if for_update:
        queryset = queryset.select_for_update()
    patient = queryset.filter(pk=patient_pk).first()
    if patient is None:
        raise deny(user, action=action, object_type="patient", object_id=patient_pk)
    if audit_read:
        audit_record(actor=user, action=action, obj=patient)
    return patient


def _int_or_deny(user, value, *, action: str, object_type: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise deny(user, action=action, object_type=object_type, object_id=str(value)[:64]) from None


def evaluations_visible_to(user):
    """Evaluations are clinical working documents: therapists of the patient's clinic only."""
    from patients.models import Evaluation

    if not user.is_authenticated or not user.is_active or not user.is_therapist:
        return Evaluation.objects.none()
    return Evaluation.objects.filter(patient__clinic_id=user.clinic_id)


def access_evaluation(
    user, evaluation_id, *, action: str = "evaluation.view", for_update: bool = False, audit_read: bool = True
):
    """Fetch one evaluation for ``user`` (with its patient), auditing the read or the refusal."""
    pk = _int_or_deny(user, evaluation_id, action=action, object_type="evaluation")
    queryset = evaluations_visible_to(user).select_related("patient", "clinician", "completed_by")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    evaluation = queryset.filter(pk=pk).first()
    if evaluation is None:
        raise deny(user, action=action, object_type="evaluation", object_id=pk)
    if audit_read:
        audit_record(actor=user, action=action, obj=evaluation)
    return evaluation


def access_questionnaire(user, assignment_id, *, action: str = "questionnaire.view", audit_read: bool = True):
    """A questionnaire assignment: therapists of the clinic, or the patient it was given to."""
    from patients.models import QuestionnaireAssignment

    pk = _int_or_deny(user, assignment_id, action=action, object_type="questionnaire")
    assignment = (
        QuestionnaireAssignment.objects.filter(patient__in=patients_visible_to(user), pk=pk)
        .select_related("patient", "patient__clinic")
        .first()
    )
    if assignment is None:
        raise deny(user, action=action, object_type="questionnaire", object_id=pk)
    if audit_read:
        audit_record(actor=user, action=action, obj=assignment)
    return assignment
