from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from clinic.models import User
from patients.models import Evaluation, Patient, QuestionnaireAssignment
from patients.scales.questionnaires import INSTRUMENTS

# Patient-reported scores count as "beside" an evaluation when filled this close to it.
NEAR_BEFORE = timedelta(days=30)
NEAR_AFTER = timedelta(days=7)


def completed_questionnaires(patient: Patient) -> QuerySet[QuestionnaireAssignment]:
    return patient.questionnaires.filter(status=QuestionnaireAssignment.Status.COMPLETED).order_by("completed_at")


def questionnaires_near(patient: Patient, evaluation: Evaluation) -> list[QuestionnaireAssignment]:
    """The newest completed questionnaire of each instrument linked to, or filled around, an evaluation."""
    day = evaluation.performed_on
    candidates = completed_questionnaires(patient).filter(
        Q(evaluation=evaluation)
        | Q(completed_at__date__gte=day - NEAR_BEFORE, completed_at__date__lte=day + NEAR_AFTER)
    )
    chosen: dict[str, QuestionnaireAssignment] = {}
    for assignment in candidates.order_by("-completed_at"):
        current = chosen.get(assignment.instrument)
        if current is None or (assignment.evaluation_id == evaluation.pk and current.evaluation_id != evaluation.pk):
            chosen[assignment.instrument] = assignment
    return [chosen[code] for code in INSTRUMENTS if code in chosen]


def overdue_for(therapist: User, *, today=None) -> QuerySet[QuestionnaireAssignment]:
    """Open questionnaires past their due date, of the patients in the therapist's care team."""
    today = today or timezone.localdate()
    return (
        QuestionnaireAssignment.objects.filter(
            status=QuestionnaireAssignment.Status.PENDING,
            due_on__lt=today,
            patient__clinic_id=therapist.clinic_id,
            patient__care_team=therapist,
            patient__is_archived=False,
        )
        .select_related("patient")
        .order_by("due_on")
    )


def due_for_patient(patient: Patient) -> QuerySet[QuestionnaireAssignment]:
    return patient.questionnaires.filter(status=QuestionnaireAssignment.Status.PENDING).order_by(
        "due_on", "assigned_at"
    )
