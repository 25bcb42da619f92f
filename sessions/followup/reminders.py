"""Reminder e-mails, sent at most once each.

Every reminder has a row keyed by (kind, target, due date) — the unique constraint makes "due"
idempotent however often beat runs. Sending walks the row through states, each committed before
the next step:

    pending ──claim──▶ claimed ──mark──▶ sending ──send_mail──▶ sent
                         │ lease expires (worker died before sending): claimable again
                         ▼
    a row left in "sending" is never sent again.

Why at-most-once: once the message is handed to the mail server we cannot know, after a crash,
whether it left; re-sending could mail the patient twice, which the clinic asked us never to do.
So the only uncertain window is the mail hand-off itself (milliseconds with a local relay); such a
row stays "sending" and is listed as unconfirmed on the patient's follow-up page. Everything before
the hand-off is retried safely: a worker killed after claiming loses its lease
(``REMINDER_CLAIM_LEASE_SECONDS``, longer than the task hard time limit so a live worker is never
overtaken) and the next dispatch or the broker's redelivery (acks_late) sends it once.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from clinic.audit import audit_record
from clinic.celery import task_phase
from sessions.models import Appointment, FollowUpPlan, PracticeLog, Program, Reminder
from sessions.programs.dates import clinic_today, local_datetime

State = Reminder.State


def worker_label() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _patient_email(patient) -> str:
    if patient.user_id and patient.user.email and patient.user.is_active:
        return patient.user.email
    return patient.email


def _plan_allows(patient) -> bool:
    plan = getattr(patient, "followup_plan", None)
    return plan is None or (plan.reminders_enabled and plan.status == FollowUpPlan.Status.ACTIVE)


@dataclass(frozen=True)
class Due:
    kind: str
    target_type: str
    target_id: int
    due_date: date
    clinic_id: int
    patient_id: int
    recipient: str


def _due_appointments(now: datetime) -> list[Due]:
    # Patients hear about a visit in the 24 hours before it.
    due = []
    appointments = Appointment.objects.filter(
        status=Appointment.Status.SCHEDULED, starts_at__gt=now, starts_at__lte=now + timedelta(hours=24)
    ).select_related("patient__user", "patient__followup_plan", "clinic")
    for appt in appointments:
        recipient = _patient_email(appt.patient)
        if recipient and _plan_allows(appt.patient):
            local_day = local_datetime(appt.clinic, appt.starts_at).date()
            due.append(
                Due("appointment", "appointment", appt.pk, local_day, appt.clinic_id, appt.patient_id, recipient)
            )
    return due


def _due_practice_lapses(now: datetime) -> list[Due]:
    # One nudge per lapse: keyed by the day the lapse reached N days, so it is not repeated daily.
    due = []
    lapse = settings.REMINDER_PRACTICE_LAPSE_DAYS
    programs = Program.objects.filter(status=Program.Status.ACTIVE).select_related(
        "patient__user", "patient__followup_plan", "clinic"
    )
    last_logs = dict(
        PracticeLog.objects.filter(program__in=programs)
        .values("program_id")
        .annotate(d=Max("date"))
        .values_list("program_id", "d")
    )
    for program in programs:
        today = clinic_today(program.clinic, now)
        if program.end_date and program.end_date < today:
            continue
        last_active = max(
            last_logs.get(program.pk) or program.start_date - timedelta(days=1), program.start_date - timedelta(days=1)
        )
        due_day = last_active + timedelta(days=lapse)
        recipient = _patient_email(program.patient)
        if due_day <= today and recipient and _plan_allows(program.patient):
            due.append(
                Due("practice_lapse", "program", program.pk, due_day, program.clinic_id, program.patient_id, recipient)
            )
    return due


def _therapist_for(plan: FollowUpPlan):
    if plan.updated_by_id and plan.updated_by.is_therapist and plan.updated_by.is_active:
        return plan.updated_by
    return plan.patient.care_team.filter(is_active=True).order_by("pk").first()


def _due_reviews(now: datetime) -> list[Due]:
    due = []
    plans = (
        FollowUpPlan.objects.filter(status=FollowUpPlan.Status.ACTIVE)
        .filter(Q(next_review_date__isnull=False) | Q(reevaluation_due__isnull=False))
        .select_related("patient__clinic", "updated_by")
    )
    for plan in plans:
        today = clinic_today(plan.patient.clinic, now)
        therapist = _therapist_for(plan)
        if therapist is None or not therapist.email:
            continue
        common = dict(
            target_type="followupplan",
            target_id=plan.pk,
            clinic_id=plan.patient.clinic_id,
            patient_id=plan.patient_id,
            recipient=therapist.email,
        )
        if plan.next_review_date and plan.next_review_date <= today:
            due.append(Due(kind="review_due", due_date=plan.next_review_date, **common))
        if plan.reevaluation_due and plan.reevaluation_due - timedelta(days=3) <= today:
            due.append(Due(kind="reevaluation_due", due_date=plan.reevaluation_due, **common))
    return due


def reminders_plan_due(*, now: datetime | None = None) -> list[int]:
    """Record every reminder due now (once per key) and return the ids ready to be sent."""
    now = now or timezone.now()
    due = _due_appointments(now) + _due_practice_lapses(now) + _due_reviews(now)
    if due:
        Reminder.objects.bulk_create(
            [
                Reminder(
                    kind=d.kind,
                    target_type=d.target_type,
                    target_id=d.target_id,
                    due_date=d.due_date,
                    clinic_id=d.clinic_id,
                    patient_id=d.patient_id,
                    recipient=d.recipient,
                )
                for d in due
            ],
            ignore_conflicts=True,
        )
    lease_over = now - timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)
    ready = Reminder.objects.filter(
        Q(state=State.PENDING) | Q(state=State.CLAIMED, claimed_at__lt=lease_over),
        due_date__gte=(now - timedelta(days=3)).date(),  # a reminder that could not go for days is stale
    )
    return list(ready.order_by("pk").values_list("pk", flat=True))


def reminder_claim(*, reminder_id: int, worker: str, now: datetime | None = None) -> Reminder | None:
    """Take the reminder for this worker, or None when it is sent, being sent, or claimed by a live worker."""
    now = now or timezone.now()
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update().filter(pk=reminder_id).first()
        if reminder is None:
            return None
        lease_over = reminder.claimed_at is not None and reminder.claimed_at < now - timedelta(
            seconds=settings.REMINDER_CLAIM_LEASE_SECONDS
        )
        if not (reminder.state == State.PENDING or (reminder.state == State.CLAIMED and lease_over)):
            return None
        reminder.state = State.CLAIMED
        reminder.claimed_at = now
        reminder.claimed_by = worker[:120]
        reminder.attempts += 1
        reminder.save(update_fields=["state", "claimed_at", "claimed_by", "attempts"])
    return reminder


def _skip(reminder: Reminder, reason: str) -> str:
    Reminder.objects.filter(pk=reminder.pk, state=State.CLAIMED, claimed_by=reminder.claimed_by).update(
        state=State.SKIPPED, skip_reason=reason[:200]
    )
    return f"skipped: {reason}"


def _message(reminder: Reminder) -> EmailMessage | str:
    """The e-mail, or a reason to skip (the target changed since it became due)."""
    patient = reminder.patient
    clinic = reminder.clinic
    site = settings.SITE_URL
    if reminder.kind == Reminder.Kind.APPOINTMENT:
        appt = Appointment.objects.filter(pk=reminder.target_id).first()
        if appt is None or appt.status != Appointment.Status.SCHEDULED or appt.starts_at <= timezone.now():
            return "the appointment was cancelled, moved or has passed"
        when = local_datetime(clinic, appt.starts_at)
        if when.date() != reminder.due_date:
            return "the appointment was moved to another day"
        subject = f"Reminder: your visit at {clinic.name} on {when:%A %d %B} at {when:%H:%M}"
        body = (
            f"Hello {patient.first_name},\n\n"
            f"This is a reminder of your {appt.get_kind_display().lower()} at {clinic.name} on "
            f"{when:%A %d %B} at {when:%H:%M}{f' ({appt.location})' if appt.location else ''}.\n\n"
            f"Your home program and practice log are here: {site}{reverse('portal:home')}\n\n"
            f"If you cannot come, please call {clinic.phone or 'the clinic'}.\n"
        )
    elif reminder.kind == Reminder.Kind.PRACTICE_LAPSE:
        program = Program.objects.filter(pk=reminder.target_id, status=Program.Status.ACTIVE).first()
        if program is None:
            return "the program is no longer active"
        if PracticeLog.objects.filter(
            program=program, date__gt=reminder.due_date - timedelta(days=settings.REMINDER_PRACTICE_LAPSE_DAYS)
        ).exists():
            return "practice was logged meanwhile"
        subject = f"{clinic.name}: a few minutes of practice today?"
        body = (
            f"Hello {patient.first_name},\n\n"
            "We have not seen any practice in your log for a few days. Short daily practice is what helps "
            "most — even five minutes counts. If your face feels tight, do your release exercises and note "
            "the tightness in the app; your therapist will see it.\n\n"
            f"Today's plan: {site}{reverse('portal:home')}\n"
        )
    else:
        plan = FollowUpPlan.objects.filter(pk=reminder.target_id, status=FollowUpPlan.Status.ACTIVE).first()
        if plan is None:
            return "the follow-up plan was closed"
        field = "next_review_date" if reminder.kind == Reminder.Kind.REVIEW_DUE else "reevaluation_due"
        if getattr(plan, field) != reminder.due_date:
            return "the date was changed"
        what = "Program review" if reminder.kind == Reminder.Kind.REVIEW_DUE else "Re-evaluation"
        initials = f"{patient.first_name[:1]}. {patient.last_name[:1]}."
        subject = f"{what} due {reminder.due_date:%d %b}: record {patient.record_number}"
        body = (
            f"{what} of patient {initials} (record {patient.record_number}) is due on "
            f"{reminder.due_date:%A %d %B}.\n\n"
            f"Follow-up plan: {site}{reverse('therapy:patient-followup', args=[patient.pk])}\n"
        )
    message = EmailMessage(subject=subject, body=body, to=[reminder.recipient])
    message.extra_headers["X-Retrain-Reminder"] = (
        f"{reminder.kind}:{reminder.target_type}:{reminder.target_id}:{reminder.due_date.isoformat()}"
    )
    return message


def reminder_send(*, reminder_id: int, worker: str | None = None) -> str:
    """Send one reminder at most once. Returns what happened (for the task log)."""
    worker = worker or worker_label()
    reminder = reminder_claim(reminder_id=reminder_id, worker=worker)
    if reminder is None:
        state = Reminder.objects.filter(pk=reminder_id).values_list("state", flat=True).first()
        return f"not claimable: {state}"
    task_phase("claimed", reminder)
    message = _message(reminder)
    if isinstance(message, str):
        return _skip(reminder, message)
    # Point of no return: after this commit the reminder is never sent by anyone else.
    with transaction.atomic():
        taken = Reminder.objects.filter(pk=reminder.pk, state=State.CLAIMED, claimed_by=worker).update(
            state=State.SENDING, sending_at=timezone.now()
        )
    if not taken:
        return "lost the claim"  # our lease expired and another worker took over
    task_phase("sending", reminder)
    message.send(fail_silently=False)
    with transaction.atomic():
        Reminder.objects.filter(pk=reminder.pk, state=State.SENDING).update(state=State.SENT, sent_at=timezone.now())
        audit_record(
            actor=None,
            actor_label="reminders",
            action="reminder.sent",
            object_type="reminder",
            object_id=reminder.pk,
            clinic=reminder.clinic,
            patient_id=reminder.patient_id,
            extra={"kind": reminder.kind},
        )
    return "sent"
