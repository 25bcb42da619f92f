"""The therapist's dashboard: who needs attention, from home practice, follow-up and other areas."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from clinic.hooks import call_hooks
from patients.access import patients_visible_to
from sessions.models import Appointment, FollowUpPlan, PracticeLog, Program
from sessions.programs import adherence
from sessions.programs.dates import clinic_today, clinic_zone
from sessions.programs.practice import unacknowledged_release_days

SEVERITY_ORDER = {"danger": 0, "warn": 1, "info": 2}


@dataclass
class Board:
    tightness_flags: list = field(default_factory=list)
    alerts: list[dict] = field(default_factory=list)
    appointments_today: list = field(default_factory=list)
    patients_in_scope: int = 0


def _alert(patient, kind: str, severity: str, message: str, url: str) -> dict:
    return {"patient": patient, "kind": kind, "severity": severity, "message": message, "url": url}


def home_program_alerts(patients, *, today) -> list[dict]:
    """Low adherence and rising tightness of patients with an active program (batched queries)."""
    alerts = []
    limit = settings.HOME_PROGRAM_LOW_ADHERENCE
    with_program = list(patients.filter(home_programs__status=Program.Status.ACTIVE).distinct())
    recent = adherence.recent_adherence_many(with_program, today=today)
    trends = adherence.tightness_trends(with_program, today=today)
    for patient in with_program:
        url = reverse("therapy:patient-program", args=[patient.pk])
        value, scheduled_days = recent[patient.pk]
        if value is not None and scheduled_days >= 3 and value < limit:
            alerts.append(
                _alert(
                    patient,
                    "low_adherence",
                    "warn",
                    f"Low adherence: {value:.0%} of the scheduled practice in the last 7 days.",
                    url,
                )
            )
        trend = trends.get(patient.pk)
        if trend and trend.rising:
            alerts.append(
                _alert(
                    patient,
                    "rising_tightness",
                    "warn",
                    f"Tightness rising: mean {trend.previous:g} → {trend.recent:g} over two weeks.",
                    url,
                )
            )
    return alerts


def followup_alerts(patients, *, today) -> list[dict]:
    alerts = []
    soon = today + timedelta(days=7)
    plans = FollowUpPlan.objects.filter(patient__in=patients, status=FollowUpPlan.Status.ACTIVE).select_related(
        "patient"
    )
    for plan in plans:
        url = reverse("therapy:patient-followup", args=[plan.patient_id])
        if plan.next_review_date and plan.next_review_date <= soon:
            overdue = plan.next_review_date < today
            alerts.append(
                _alert(
                    plan.patient,
                    "review_due",
                    "danger" if overdue else "info",
                    f"Program review {'overdue since' if overdue else 'due'} {plan.next_review_date:%d %b}.",
                    url,
                )
            )
        if plan.reevaluation_due and plan.reevaluation_due <= soon:
            overdue = plan.reevaluation_due < today
            alerts.append(
                _alert(
                    plan.patient,
                    "reevaluation_due",
                    "danger" if overdue else "info",
                    f"Re-evaluation {'overdue since' if overdue else 'due'} {plan.reevaluation_due:%d %b}.",
                    url,
                )
            )
    # Active plans without any visit booked ahead (weekly patients drifting out of follow-up).
    booked = set(
        Appointment.objects.filter(
            patient__in=patients, status=Appointment.Status.SCHEDULED, starts_at__gte=timezone.now()
        ).values_list("patient_id", flat=True)
    )
    for plan in plans:
        if plan.frequency != "as_needed" and plan.patient_id not in booked:
            alerts.append(
                _alert(
                    plan.patient,
                    "no_visit_booked",
                    "info",
                    "No follow-up visit booked.",
                    reverse("therapy:patient-followup", args=[plan.patient_id]),
                )
            )
    return alerts


def dashboard_for(therapist, *, scope: str = "mine") -> Board:
    patients = patients_visible_to(therapist).filter(is_archived=False)
    if scope == "mine":
        patients = patients.filter(care_team=therapist)
    today = clinic_today(therapist.clinic)
    board = Board(patients_in_scope=patients.count())
    # One row per program: its latest open flag, with how many earlier days are open too.
    latest: dict[int, object] = {}
    for flag in unacknowledged_release_days(patients):
        if flag.program_id in latest:
            latest[flag.program_id].earlier_open += 1
        else:
            flag.earlier_open = 0
            latest[flag.program_id] = flag
    board.tightness_flags = list(latest.values())
    for flag in board.tightness_flags:
        # What the patient wrote that day helps the therapist decide whether to call.
        flag.patient_note = (
            PracticeLog.objects.filter(program=flag.program, date=flag.date)
            .exclude(note="")
            .order_by("-logged_at")
            .values_list("note", flat=True)
            .first()
        )
    board.alerts = home_program_alerts(patients, today=today) + followup_alerts(patients, today=today)
    in_scope = set(patients.values_list("pk", flat=True))
    for alert in call_hooks("DASHBOARD_ALERT_PROVIDERS", therapist):
        if alert.get("patient") is not None and alert["patient"].pk in in_scope:
            board.alerts.append(alert)
    board.alerts.sort(key=lambda a: (SEVERITY_ORDER.get(a["severity"], 3), a["patient"].last_name))
    start = datetime.combine(today, time.min, tzinfo=clinic_zone(therapist.clinic))
    board.appointments_today = list(
        Appointment.objects.filter(patient__in=patients, starts_at__gte=start, starts_at__lt=start + timedelta(days=1))
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("patient")
    )
    return board
