"""Questionnaires (SAQ, FaCE, FDI) assigned to a patient, their answers, reminders and clinic wording."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from patients.scales.questionnaires import INSTRUMENTS

INSTRUMENT_CHOICES = [(code, f"{i.title} · {i.full_title}") for code, i in INSTRUMENTS.items()]


class QuestionnaireAssignment(models.Model):
    """One questionnaire the patient is asked to fill in (usually before a visit), and its answers."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the patient"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        PORTAL = "portal", "Filled in by the patient"
        CLINIC = "clinic", "Entered by the clinic from a paper form"

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="questionnaires")
    instrument = models.CharField(max_length=8, choices=INSTRUMENT_CHOICES)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    due_on = models.DateField(null=True, blank=True, help_text="Fill in before this day (usually the next visit).")
    message = models.CharField(max_length=300, blank=True, help_text="A note shown to the patient.")
    evaluation = models.ForeignKey(
        "patients.Evaluation", null=True, blank=True, on_delete=models.SET_NULL, related_name="questionnaires"
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    answers = models.JSONField(default=dict, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    scoring_version = models.CharField(max_length=40, blank=True)
    # "paraphrase" (our built-in texts) or "clinic" (the clinic's licensed wording) — what the patient saw.
    wording = models.CharField(max_length=16, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-assigned_at", "-id"]
        indexes = [models.Index(fields=["status", "due_on"], name="questionnaire_status_due")]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} for patient {self.patient_id}"

    @property
    def definition(self):
        return INSTRUMENTS[self.instrument]


class QuestionnaireReminder(models.Model):
    """Marks a reminder as sent, so a retried or repeated task never e-mails twice."""

    assignment = models.ForeignKey(QuestionnaireAssignment, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, default="due_soon")
    sent_at = models.DateTimeField(auto_now_add=True)
    sent_to = models.EmailField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment", "kind"], name="questionnaire_reminder_once")]

    def __str__(self) -> str:
        return f"{self.kind} reminder of questionnaire {self.assignment_id}"


class QuestionnaireWording(models.Model):
    """A clinic's licensed wording of one item (or ``_instructions``), shown instead of our paraphrase."""

    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.CASCADE, related_name="questionnaire_wordings")
    instrument = models.CharField(max_length=8, choices=INSTRUMENT_CHOICES)
    item_code = models.CharField(max_length=32)
    text = models.TextField()
    licence = models.CharField(max_length=200, blank=True, help_text="Where the wording comes from, the licence.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "instrument", "item_code"], name="questionnaire_wording_unique")
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.item_code} wording"
