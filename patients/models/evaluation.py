from __future__ import annotations

from django.conf import settings
from django.db import models

from patients.scales import SCALES

SCALE_CHOICES = [(code, module.TITLE) for code, module in SCALES.items()]


class Evaluation(models.Model):
    """One evaluation encounter of a patient: grading scales, photos/video, EMG, notes.

    Completing it signs and locks it; later changes are amendments (who, when, why).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        COMPLETED = "completed", "Completed (signed)"

    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial evaluation"
        FOLLOW_UP = "follow_up", "Re-evaluation"
        DISCHARGE = "discharge", "Discharge evaluation"

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="evaluations")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INITIAL)
    performed_on = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(blank=True, help_text="Free notes: what the patient reports, what you saw, the plan.")
    # SHA-256 of the signed content (items, scores, notes) at completion; amendments record their own.
    signed_digest = models.CharField(max_length=64, blank=True)
    amended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-performed_on", "-id"]
        indexes = [models.Index(fields=["patient", "-performed_on"], name="evaluation_patient_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.performed_on:%d %b %Y}"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.COMPLETED

    def scale(self, code: str) -> EvaluationScale | None:
        """The stored answers of one scale (uses the prefetched ``scales`` when there are any)."""
        for entry in self.scales.all():
            if entry.scale == code:
                return entry
        return None


class EvaluationScale(models.Model):
    """Item-level answers of one scale in one evaluation, with the scores of the scoring version used."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scales")
    scale = models.CharField(max_length=32, choices=SCALE_CHOICES)
    items = models.JSONField(default=dict)
    # Where each current answer came from: {"item": {"source": "therapist"|"photo"|…, "ref": "…"}}.
    item_sources = models.JSONField(default=dict)
    scores = models.JSONField(default=dict)
    scoring_version = models.CharField(max_length=40)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evaluation", "scale"], name="evaluation_scale_unique")]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_scale_display()} of evaluation {self.evaluation_id}"


class EvaluationAmendment(models.Model):
    """A change made after the evaluation was signed: who, when, why, and exactly what changed."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="amendments")
    section = models.CharField(max_length=32, help_text="A scale code, or 'notes' / 'details'.")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    # [{"item": code, "before": value, "after": value}]
    changes = models.JSONField(default=list)
    scores_before = models.JSONField(default=dict, blank=True)
    scores_after = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=24, default="therapist")
    source_ref = models.CharField(max_length=120, blank=True)
    digest_after = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Amendment of {self.section} on {self.at:%d %b %Y}"
