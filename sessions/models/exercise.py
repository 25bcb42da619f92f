"""The clinic's exercise library: versioned exercises with optional images and video."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Category(models.TextChoices):
    EMOTION = "emotion", "Emotion-driven movement"
    FOUNDATION = "foundation", "Foundation (cranial vault, neck, jaw)"
    RESISTANCE = "resistance", "Resistance with lengthening"
    RELEASE = "release", "Release and massage"
    EYE_CARE = "eye_care", "Eye care"
    EDUCATION = "education", "Education"


class Kind(models.TextChoices):
    """What the exercise asks of the face. Only MOVEMENT is refused at stage 1 (CLINICAL.md §1)."""

    MOVEMENT = "movement", "Facial movement"
    AWARENESS = "awareness", "Awareness / imagined movement"
    RELEASE = "release", "Release, massage or stretch"
    CARE = "care", "Care (eye protection, hygiene)"
    EDUCATION = "education", "Education"


class Area(models.TextChoices):
    """The facial area an exercise works; programs rotate areas across days."""

    CRANIAL_VAULT = "cranial_vault", "Scalp and cranial vault"
    FOREHEAD = "forehead", "Forehead and brow"
    EYES = "eyes", "Eyes"
    MIDFACE = "midface", "Cheeks and smile"
    MOUTH = "mouth", "Lips and mouth"
    JAW = "jaw", "Jaw"
    NECK = "neck", "Neck"
    WHOLE_FACE = "whole_face", "Whole face"


class Exercise(models.Model):
    """The identity of a library exercise; its wording and default dosage live in versions."""

    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.CASCADE, related_name="exercises")
    # Stable key of the starter set ("smile-happy-thought"), so seeding is idempotent; blank for the clinic's own.
    key = models.SlugField(max_length=80, blank=True)
    current = models.ForeignKey(
        "therapy.ExerciseVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "key"], condition=~models.Q(key=""), name="exercise_key_unique_in_clinic"
            )
        ]

    def __str__(self) -> str:
        return self.current.title if self.current_id else f"exercise {self.pk}"


class ExerciseVersion(models.Model):
    """One immutable wording of an exercise. Program items point at the version they were given,
    so editing the library never changes a handout a patient already has."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=120)
    category = models.CharField(max_length=16, choices=Category.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    area = models.CharField(max_length=16, choices=Area.choices)
    summary = models.CharField(max_length=240, blank=True, help_text="One line: what it is for.")
    steps = models.JSONField(default=list, help_text="Plain-language steps, one per entry.")
    emotional_cue = models.CharField(max_length=240, blank=True)
    target_muscles = models.JSONField(default=list)
    reps = models.PositiveSmallIntegerField(default=5)
    hold_seconds = models.PositiveSmallIntegerField(default=0)
    sets = models.PositiveSmallIntegerField(default=1)
    times_per_day = models.PositiveSmallIntegerField(default=1)
    days_per_week = models.PositiveSmallIntegerField(default=7)
    stages = models.JSONField(default=list, help_text="Recovery stages (1–4) the exercise suits.")
    precautions = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    change_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["exercise_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "number"], name="exercise_version_number_unique"),
            models.CheckConstraint(condition=models.Q(days_per_week__gte=1, days_per_week__lte=7), name="ev_days"),
            models.CheckConstraint(condition=models.Q(times_per_day__gte=1, times_per_day__lte=6), name="ev_times"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    @property
    def is_movement(self) -> bool:
        return self.kind == Kind.MOVEMENT


class ExerciseMedia(models.Model):
    """An image or short video the clinic uploaded for an exercise. Private: served by an access-checked view."""

    class MediaKind(models.TextChoices):
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=8, choices=MediaKind.choices)
    file = models.FileField(upload_to="exercise-media/%Y/%m/")
    content_type = models.CharField(max_length=64)
    caption = models.CharField(max_length=160, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    size_bytes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.caption or f"{self.kind} {self.pk}"
