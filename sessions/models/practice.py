"""What the patient did at home: practice logs, daily tightness, and release days."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PracticeLog(models.Model):
    class Status(models.TextChoices):
        DONE = "done", "Done"
        PARTIAL = "partial", "Partly done"

    class Difficulty(models.IntegerChoices):
        VERY_EASY = 1, "Very easy"
        EASY = 2, "Easy"
        MODERATE = 3, "Moderate"
        HARD = 4, "Hard"
        VERY_HARD = 5, "Very hard"

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="practice_logs")
    program = models.ForeignKey("therapy.Program", on_delete=models.CASCADE, related_name="logs")
    item = models.ForeignKey("therapy.ProgramItem", on_delete=models.CASCADE, related_name="logs")
    # The clinic's local date the practice belongs to.
    date = models.DateField()
    session = models.PositiveSmallIntegerField(default=1, help_text="1st, 2nd… practice of the day")
    status = models.CharField(max_length=8, choices=Status.choices)
    difficulty = models.PositiveSmallIntegerField(choices=Difficulty.choices, null=True, blank=True)
    tightness = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0 relaxed … 10 very tight")
    note = models.CharField(max_length=500, blank=True)
    on_release_plan = models.BooleanField(default=False)
    logged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-logged_at"]
        constraints = [
            models.UniqueConstraint(fields=["item", "date", "session"], name="one_log_per_item_session"),
            models.CheckConstraint(
                condition=models.Q(tightness__isnull=True) | models.Q(tightness__lte=10), name="log_tightness_0_10"
            ),
        ]
        indexes = [models.Index(fields=["patient", "date"], name="practice_patient_date")]

    def __str__(self) -> str:
        return f"{self.date} item {self.item_id} #{self.session} {self.status}"


class TightnessReport(models.Model):
    """How tight the face felt, reported on its own or with a practice log."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="tightness_reports")
    program = models.ForeignKey("therapy.Program", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    date = models.DateField()
    value = models.PositiveSmallIntegerField()
    log = models.OneToOneField(PracticeLog, null=True, blank=True, on_delete=models.CASCADE, related_name="report")
    reported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-reported_at"]
        constraints = [models.CheckConstraint(condition=models.Q(value__lte=10), name="tightness_0_10")]
        indexes = [models.Index(fields=["patient", "date"], name="tightness_patient_date")]

    def __str__(self) -> str:
        return f"{self.date} tightness {self.value}"


class ReleaseDay(models.Model):
    """A day switched to release work because the patient reported tightness at or above the threshold.

    It flags the therapist until acknowledged (the practice rule: stop forcing movement, release first).
    """

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="release_days")
    program = models.ForeignKey("therapy.Program", on_delete=models.CASCADE, related_name="release_days")
    date = models.DateField()
    tightness = models.PositiveSmallIntegerField()
    threshold = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledge_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["program", "date"], name="one_release_day_per_program_date")]

    def __str__(self) -> str:
        return f"Release day {self.date} (tightness {self.tightness})"
