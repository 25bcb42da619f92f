"""Writes on follow-up plans, goals and appointments. One transaction each, audited inside it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from clinic.audit import audit_record
from clinic.errors import DomainError
from clinic.models import User
from patients.models import Patient
from sessions.models import VISIT_INTERVAL_DAYS, Appointment, FollowUpGoal, FollowUpPlan, Program, VisitFrequency

PLAN_FIELDS = {"frequency", "next_review_date", "reevaluation_due", "reminders_enabled", "notes"}


def _require_therapist(actor: User) -> None:
    if not actor.is_therapist:
        raise DomainError("Only therapists plan follow-up.", code="forbidden")


def plan_for(patient: Patient) -> FollowUpPlan | None:
    return FollowUpPlan.objects.filter(patient=patient).first()


@transaction.atomic
def followup_plan_save(*, actor: User, patient: Patient, **fields) -> FollowUpPlan:
    _require_therapist(actor)
    unknown = set(fields) - PLAN_FIELDS
    if unknown:
        raise DomainError(f"Unknown plan fields: {', '.join(sorted(unknown))}")
    if "frequency" in fields and fields["frequency"] not in VisitFrequency.values:
        raise DomainError("Choose a visit frequency.", field="frequency")
    plan, created = FollowUpPlan.objects.select_for_update().get_or_create(patient=patient)
    if plan.status == FollowUpPlan.Status.DISCHARGED:
        raise DomainError("The patient is discharged; re-open the plan to change it.", code="discharged")
    changed = sorted(k for k, v in fields.items() if getattr(plan, k) != v)
    for key in changed:
        setattr(plan, key, fields[key])
    plan.updated_by = actor
    plan.save()
    audit_record(
        actor=actor, action="followup.create" if created else "followup.update", obj=plan, extra={"changed": changed}
    )
    return plan


@transaction.atomic
def followup_goal_add(
    *,
    actor: User,
    patient: Patient,
    description: str,
    measure_key: str = "",
    measure_label: str = "",
    target_value: float | None = None,
    higher_is_better: bool = True,
    target_date: date | None = None,
) -> FollowUpGoal:
    _require_therapist(actor)
    description = (description or "").strip()
    if not description:
        raise DomainError("Describe the goal.", field="description")
    if measure_key and target_value is None:
        raise DomainError("A measured goal needs a target score.", field="target_value")
    plan, _ = FollowUpPlan.objects.get_or_create(patient=patient)
    goal = FollowUpGoal.objects.create(
        plan=plan,
        description=description[:240],
        measure_key=measure_key[:80],
        measure_label=measure_label[:120],
        target_value=target_value,
        higher_is_better=higher_is_better,
        target_date=target_date,
    )
    audit_record(actor=actor, action="followup.goal_add", obj=plan, extra={"goal": goal.pk})
    return goal


@transaction.atomic
def followup_goal_set_status(*, actor: User, goal: FollowUpGoal, status: str) -> FollowUpGoal:
    _require_therapist(actor)
    if status not in FollowUpGoal.Status.values:
        raise DomainError("Unknown goal status.", field="status")
    goal.status = status
    goal.closed_at = None if status == FollowUpGoal.Status.OPEN else timezone.now()
    goal.save(update_fields=["status", "closed_at"])
    audit_record(actor=actor, action="followup.goal_status", obj=goal.plan, extra={"goal": goal.pk, "status": status})
    return goal


@transaction.atomic
def followup_discharge(
    *, actor: User, patient: Patient, summary: str, final_program: Program | None = None
) -> FollowUpPlan:
    """Discharge with a final home plan: the chosen program stays active for the patient to keep using."""
    _require_therapist(actor)
    summary = (summary or "").strip()
    if not summary:
        raise DomainError("Write a short discharge summary.", field="summary")
    if final_program is not None:
        if final_program.patient_id != patient.pk:
            raise DomainError("The final home plan must be one of this patient's programs.", field="final_program")
        if final_program.status != Program.Status.ACTIVE:
            raise DomainError("Give the final home plan to the patient (activate it) first.", field="final_program")
    plan, _ = FollowUpPlan.objects.select_for_update().get_or_create(patient=patient)
    plan.status = FollowUpPlan.Status.DISCHARGED
    plan.discharged_at = timezone.now()
    plan.discharged_by = actor
    plan.discharge_summary = summary
    plan.final_program = final_program
    plan.next_review_date = None
    plan.updated_by = actor
    plan.save()
    cancelled = Appointment.objects.filter(
        patient=patient, status=Appointment.Status.SCHEDULED, starts_at__gt=timezone.now()
    ).update(status=Appointment.Status.CANCELLED)
    audit_record(
        actor=actor,
        action="followup.discharge",
        obj=plan,
        extra={"final_program": final_program.pk if final_program else None, "cancelled": cancelled},
    )
    return plan


@transaction.atomic
def followup_reopen(*, actor: User, patient: Patient) -> FollowUpPlan:
    _require_therapist(actor)
    plan = FollowUpPlan.objects.select_for_update().get(patient=patient)
    plan.status = FollowUpPlan.Status.ACTIVE
    plan.discharged_at = None
    plan.updated_by = actor
    plan.save()
    audit_record(actor=actor, action="followup.reopen", obj=plan)
    return plan


@transaction.atomic
def appointment_create(
    *,
    actor: User,
    patient: Patient,
    starts_at: datetime,
    kind: str = Appointment.Kind.THERAPY,
    duration_minutes: int = 45,
    location: str = "",
    notes: str = "",
    therapist: User | None = None,
) -> Appointment:
    _require_therapist(actor)
    if kind not in Appointment.Kind.values:
        raise DomainError("Unknown appointment kind.", field="kind")
    if timezone.is_naive(starts_at):
        raise DomainError("The start time needs a time zone.", field="starts_at")
    if not 5 <= int(duration_minutes) <= 480:
        raise DomainError("A visit lasts 5 to 480 minutes.", field="duration_minutes")
    therapist = therapist or actor
    if therapist.clinic_id != patient.clinic_id or not therapist.is_therapist:
        raise DomainError("Choose a therapist of this clinic.", field="therapist")
    plan = FollowUpPlan.objects.filter(patient=patient).first()
    if plan is not None and plan.status == FollowUpPlan.Status.DISCHARGED:
        raise DomainError("The patient is discharged; re-open the follow-up plan first.", code="discharged")
    appointment = Appointment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        therapist=therapist,
        kind=kind,
        starts_at=starts_at,
        duration_minutes=int(duration_minutes),
        location=(location or "").strip()[:120],
        notes=(notes or "").strip()[:300],
        created_by=actor,
    )
    audit_record(actor=actor, action="appointment.create", obj=appointment)
    return appointment


@transaction.atomic
def appointment_series(
    *,
    actor: User,
    patient: Patient,
    first_starts_at: datetime,
    count: int,
    kind: str = Appointment.Kind.THERAPY,
    duration_minutes: int = 45,
    location: str = "",
) -> list[Appointment]:
    """Book ``count`` visits at the plan's frequency starting at ``first_starts_at``."""
    plan = FollowUpPlan.objects.filter(patient=patient).first()
    interval = VISIT_INTERVAL_DAYS.get(plan.frequency if plan else "weekly")
    if interval is None:
        raise DomainError("The plan's frequency is “as needed”: book visits one at a time.", field="count")
    if not 1 <= count <= 26:
        raise DomainError("Book 1 to 26 visits at a time.", field="count")
    return [
        appointment_create(
            actor=actor,
            patient=patient,
            starts_at=first_starts_at + timedelta(days=interval * i),
            kind=kind,
            duration_minutes=duration_minutes,
            location=location,
        )
        for i in range(count)
    ]


@transaction.atomic
def appointment_set_status(*, actor: User, appointment: Appointment, status: str) -> Appointment:
    _require_therapist(actor)
    if status not in Appointment.Status.values:
        raise DomainError("Unknown appointment status.", field="status")
    if status in (Appointment.Status.ATTENDED, Appointment.Status.MISSED) and appointment.starts_at > timezone.now():
        raise DomainError("A visit in the future cannot be attended or missed yet.", field="status")
    appointment.status = status
    appointment.save(update_fields=["status"])
    audit_record(actor=actor, action="appointment.status", obj=appointment, extra={"status": status})
    return appointment


@transaction.atomic
def appointment_reschedule(*, actor: User, appointment: Appointment, starts_at: datetime) -> Appointment:
    _require_therapist(actor)
    if appointment.status != Appointment.Status.SCHEDULED:
        raise DomainError("Only scheduled visits can be moved.", field="starts_at")
    appointment.starts_at = starts_at
    appointment.save(update_fields=["starts_at"])
    audit_record(actor=actor, action="appointment.reschedule", obj=appointment)
    return appointment
