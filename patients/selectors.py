from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from clinic.audit import audit_record
from clinic.models import User
from patients.access import patients_visible_to
from patients.models import Consent, Evaluation, Patient, QuestionnaireAssignment


def caseload(user: User, *, query: str = "", stage: str = "", mine: bool = False) -> QuerySet[Patient]:
    """The patients a therapist works with; listing them is a read of patient data, so it is audited."""
    patients = patients_visible_to(user).filter(is_archived=False).prefetch_related("care_team")
    if query:
        patients = patients.filter(
            Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(record_number__icontains=query)
        )
    if stage:
        patients = patients.filter(stage=stage)
    if mine:
        patients = patients.filter(care_team=user)
    audit_record(
        actor=user,
        action="patient.list",
        object_type="patient",
        extra={"query": bool(query), "stage": stage, "mine": mine},
    )
    return patients


def evaluations_of(patient: Patient, *, completed_only: bool = False) -> QuerySet[Evaluation]:
    evaluations = patient.evaluations.select_related("clinician", "completed_by").prefetch_related("scales")
    if completed_only:
        evaluations = evaluations.filter(status=Evaluation.Status.COMPLETED)
    return evaluations


def latest_completed_evaluation(patient: Patient) -> Evaluation | None:
    return evaluations_of(patient, completed_only=True).first()


def consents_in_force(patient: Patient) -> dict[str, Consent]:
    """The newest consent record of each kind."""
    latest: dict[str, Consent] = {}
    for consent in Consent.objects.filter(patient=patient).order_by("-given_on", "-id"):
        latest.setdefault(consent.kind, consent)
    return latest


def questionnaires_of(patient: Patient) -> QuerySet[QuestionnaireAssignment]:
    return patient.questionnaires.select_related("assigned_by", "completed_by", "evaluation")


def pending_questionnaires(patient: Patient) -> QuerySet[QuestionnaireAssignment]:
    return patient.questionnaires.filter(status=QuestionnaireAssignment.Status.PENDING).order_by("due_on", "pk")


def patients_with_caseload_data(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """Caseload rows with their latest signed evaluation and open questionnaires prefetched."""
    return patients.prefetch_related(
        Prefetch(
            "evaluations",
            queryset=Evaluation.objects.filter(status=Evaluation.Status.COMPLETED).prefetch_related("scales"),
            to_attr="completed_evaluations",
        ),
        Prefetch(
            "questionnaires",
            queryset=QuestionnaireAssignment.objects.filter(status=QuestionnaireAssignment.Status.PENDING),
            to_attr="open_questionnaires",
        ),
    )
