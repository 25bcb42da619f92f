"""Follow-up planning: the plan, its goals, appointments, and the reminders sent about them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class VisitFrequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly outpatient visit"
    FORTNIGHTLY = "fortnightly", "Every two weeks"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Every three months"
    AS_NEEDED = "as_needed", "As needed"


VISIT_INTERVAL_DAYS = {"weekly": 7, "fortnightly": 14, "monthly": 28, "quarterly": 91, "as_needed": None}


class FollowUpPlan(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DISCHARGED = "discharged", "Discharged"

    patient = models.OneToOneField("patients.Patient", on_delete=models.CASCADE, related_name="followup_plan")
    frequency = models.CharField(max_length=16, choices=VisitFrequency.choices, default=VisitFrequency.WEEKLY)
    next_review_date = models.DateField(null=True, blank=True)
    reevaluation_due = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    reminders_enabled = models.BooleanField(default=True, help_text="E-mail the patient before appointments.")
    notes = models.TextField(blank=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    discharge_summary = models.TextField(blank=True)
    final_program = models.ForeignKey(
        "therapy.Program", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Follow-up of patient {self.patient_id} ({self.status})"


class FollowUpGoal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MET = "met", "Met"
        NOT_MET = "not_met", "Not met"
        DROPPED = "dropped", "Dropped"

    plan = models.ForeignKey(FollowUpPlan, on_delete=models.CASCADE, related_name="goals")
    description = models.CharField(max_length=240)
    # A progress series key (see PROGRESS_SERIES_PROVIDERS) the goal is measured on; blank = judged by hand.
    measure_key = models.CharField(max_length=80, blank=True)
    measure_label = models.CharField(max_length=120, blank=True)
    target_value = models.FloatField(null=True, blank=True)
    higher_is_better = models.BooleanField(default=True)
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "target_date", "id"]

    def __str__(self) -> str:
        return self.description


class Appointment(models.Model):
    class Kind(models.TextChoices):
        THERAPY = "therapy", "Therapy visit"
        EMG = "emg", "EMG biofeedback session"
        REEVALUATION = "reevaluation", "Re-evaluation"
        REVIEW = "review", "Program review"
        DISCHARGE = "discharge", "Discharge visit"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        ATTENDED = "attended", "Attended"
        CANCELLED = "cancelled", "Cancelled"
        MISSED = "missed", "Missed"

    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="appointments")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.THERAPY)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=45)
    location = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    notes = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["clinic", "starts_at"], name="appointment_clinic_start")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"


class Reminder(models.Model):
    """One reminder e-mail, keyed by (kind, target, due date) so it exists — and is sent — at most once.

    States: pending → claimed (a worker took it; nothing sent yet) → sending (handed to the mail
    backend) → sent. A claim whose worker died is taken over after a lease; a row left in
    "sending" is never sent again (at-most-once: see sessions/followup/reminders.py).
    """

    class Kind(models.TextChoices):
        APPOINTMENT = "appointment", "Appointment tomorrow (to the patient)"
        PRACTICE_LAPSE = "practice_lapse", "No practice logged for days (to the patient)"
        REVIEW_DUE = "review_due", "Program review due (to the therapist)"
        REEVALUATION_DUE = "reevaluation_due", "Re-evaluation due (to the therapist)"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        CLAIMED = "claimed", "Claimed by a worker"
        SENDING = "sending", "Handed to the mail server (unconfirmed)"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    target_type = models.CharField(max_length=24)
    target_id = models.BigIntegerField()
    due_date = models.DateField()
    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="reminders")
    recipient = models.EmailField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=120, blank=True)
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "target_type", "target_id", "due_date"], name="reminder_once")
        ]
        indexes = [models.Index(fields=["state", "claimed_at"], name="reminder_state")]

    def __str__(self) -> str:
        return f"{self.kind} {self.target_type}:{self.target_id} due {self.due_date} ({self.state})"
