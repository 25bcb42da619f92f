"""Home programs: a patient's tailored list of exercises with dosage and a schedule; templates."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Program(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        DISCONTINUED = "discontinued", "Discontinued"

    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="home_programs")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=120)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    # Groups of facial areas practised on successive days, e.g. [["forehead","eyes"],["midface","mouth"]].
    # Exercises of areas in no group (eye care, education, release) are practised every day.
    rotation = models.JSONField(default=list, blank=True)
    # Tightness (0–10) at or above which the day switches to release work; None = the clinic's setting.
    tightness_threshold = models.PositiveSmallIntegerField(null=True, blank=True)
    shared = models.BooleanField(default=False, help_text="Other therapists of the clinic may edit it.")
    message = models.TextField(blank=True, help_text="A note to the patient shown with the program.")
    stage_at_creation = models.PositiveSmallIntegerField()
    from_template = models.ForeignKey(
        "therapy.ProgramTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_program = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Why the program was completed or discontinued: kept on the record (deleted with the patient),
    # never in the append-only audit log.
    end_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            # A patient practises one program at a time.
            models.UniqueConstraint(
                fields=["patient"], condition=models.Q(status="active"), name="one_active_program_per_patient"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="program_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def effective_threshold(self) -> int:
        if self.tightness_threshold is not None:
            return self.tightness_threshold
        return self.clinic.tightness_alert_threshold

    @property
    def is_editable_status(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.ACTIVE)


class DosageFields(models.Model):
    """Per-item dosage overrides; None means the exercise version's default."""

    reps = models.PositiveSmallIntegerField(null=True, blank=True)
    hold_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    sets = models.PositiveSmallIntegerField(null=True, blank=True)
    times_per_day = models.PositiveSmallIntegerField(null=True, blank=True)
    days_per_week = models.PositiveSmallIntegerField(null=True, blank=True)
    every_day = models.BooleanField(default=False, help_text="Practised every day, outside the area rotation.")
    notes = models.CharField(max_length=300, blank=True, help_text="A note for the patient about this exercise.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True

    DOSAGE = ("reps", "hold_seconds", "sets", "times_per_day", "days_per_week")

    def dose(self, name: str) -> int:
        value = getattr(self, name)
        return value if value is not None else getattr(self.version_for_dose, name)


class ProgramItem(DosageFields):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="items")
    version = models.ForeignKey("therapy.ExerciseVersion", on_delete=models.PROTECT, related_name="+")
    # A movement exercise at stage 1 needs the therapist's reason (CLINICAL.md §1).
    override_reason = models.CharField(max_length=300, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    override_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.version.title

    @property
    def version_for_dose(self):
        return self.version


class ProgramTemplate(models.Model):
    """A starting point for programs: a stage template of the starter set, or a program saved as one."""

    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.CASCADE, related_name="program_templates")
    key = models.SlugField(max_length=80, blank=True)
    name = models.CharField(max_length=120)
    stage = models.PositiveSmallIntegerField(null=True, blank=True)
    description = models.TextField(blank=True)
    rotation = models.JSONField(default=list, blank=True)
    duration_days = models.PositiveSmallIntegerField(default=28)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stage", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "key"], condition=~models.Q(key=""), name="template_key_unique_in_clinic"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TemplateItem(DosageFields):
    """Templates follow the library: an item names the exercise, and a new program takes its current version."""

    template = models.ForeignKey(ProgramTemplate, on_delete=models.CASCADE, related_name="items")
    exercise = models.ForeignKey("therapy.Exercise", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"template {self.template_id} exercise {self.exercise_id}"

    @property
    def version_for_dose(self):
        return self.exercise.current
