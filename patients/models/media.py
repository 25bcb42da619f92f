"""The photo and video record of an evaluation, and its automated grading.

Files live in the default storage (a private directory, or an S3-compatible bucket) under
unguessable names; nothing is served from a public URL. A grading run measures the evaluation's
current photo set and videos; its suggested scale items become final only when a therapist accepts
them (the suggestion and the accepted value are both kept).
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q


class MediaView(models.TextChoices):
    """The standard expressions: the 8 MEEI views, then the Sir Charles Bell Society's two extra
    views, then what only a video shows."""

    REST = "rest", "At rest"
    BROW_ELEVATION = "brow_elevation", "Brow elevation"
    GENTLE_EYE_CLOSURE = "gentle_eye_closure", "Gentle eye closure"
    TIGHT_EYE_CLOSURE = "tight_eye_closure", "Tight eye closure"
    SMALL_SMILE = "small_smile", "Small closed-mouth smile"
    LARGE_SMILE = "large_smile", "Large open smile"
    PUCKER = "pucker", "Lip pucker"
    LOWER_LIP = "lower_lip", "Lower lip depression (“EEE”)"
    SNARL = "snarl", "Snarl / nose wrinkle"
    NASAL_BASE = "nasal_base", "Nasal base"
    SEQUENCE = "sequence", "Expression sequence"
    SPEECH = "speech", "Speech"


MEEI_VIEWS = [
    MediaView.REST,
    MediaView.BROW_ELEVATION,
    MediaView.GENTLE_EYE_CLOSURE,
    MediaView.TIGHT_EYE_CLOSURE,
    MediaView.SMALL_SMILE,
    MediaView.LARGE_SMILE,
    MediaView.PUCKER,
    MediaView.LOWER_LIP,
]
OPTIONAL_PHOTO_VIEWS = [MediaView.SNARL, MediaView.NASAL_BASE]
PHOTO_VIEWS = MEEI_VIEWS + OPTIONAL_PHOTO_VIEWS
VIDEO_VIEWS = [*MEEI_VIEWS[1:], MediaView.SNARL, MediaView.SEQUENCE, MediaView.SPEECH]


def _media_path(instance, filename: str) -> str:
    # Grouped by patient id (for backups and erasure); the name says nothing about the patient or the
    # expression, the database row does.
    patient_id = getattr(instance, "patient_id", None) or instance.asset.patient_id
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"clinical-media/{patient_id}/{uuid.uuid4().hex}{suffix}"


class MediaAsset(models.Model):
    class Kind(models.TextChoices):
        PHOTO = "photo", "Photo"
        VIDEO = "video", "Video"

    class Source(models.TextChoices):
        UPLOAD = "upload", "Uploaded file"
        CAMERA = "camera", "Browser camera"

    class State(models.TextChoices):
        READY = "ready", "Ready"
        PREPARING = "preparing", "Being prepared"  # a video waiting to be re-encoded without metadata
        FAILED = "failed", "Could not be prepared"

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="media")
    evaluation = models.ForeignKey("patients.Evaluation", on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    view = models.CharField(max_length=24, choices=MediaView.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.READY)
    state_message = models.CharField(max_length=300, blank=True)
    file = models.FileField(upload_to=_media_path, max_length=200)
    preview = models.FileField(upload_to=_media_path, max_length=200, blank=True)
    content_type = models.CharField(max_length=40)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    duration_s = models.FloatField(null=True, blank=True)
    fps = models.FloatField(null=True, blank=True)
    frame_count = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.UPLOAD)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # A newer file of the same view replaces this one; the old one is kept, out of the set.
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["evaluation_id", "kind", "view", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "kind", "view"],
                condition=Q(replaced_at__isnull=True),
                name="media_one_current_file_per_view",
            )
        ]
        indexes = [models.Index(fields=["patient", "evaluation"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_view_display()}"

    @property
    def is_current(self) -> bool:
        return self.replaced_at is None


class GradingRun(models.Model):
    """One automated measurement of an evaluation's current photos and videos."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Grading"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="grading_runs")
    evaluation = models.ForeignKey("patients.Evaluation", on_delete=models.CASCADE, related_name="grading_runs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=160, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    method_version = models.CharField(max_length=40)
    # The side declared healthy when the run started ("" when bilateral: no ratios are suggested).
    healthy_side = models.CharField(max_length=8, blank=True)
    calibration = models.JSONField(default=dict, blank=True)  # {"mm_per_px", "view", "iris_px"}
    notes = models.JSONField(default=list, blank=True)  # set-level remarks shown with the results

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Grading #{self.pk} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class AssetGrading(models.Model):
    """The result of one photo or video in a run: its measures, or the stated reason it has none."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        MEASURED = "measured", "Measured"
        FAILED = "failed", "Not measured"

    run = models.ForeignKey(GradingRun, on_delete=models.CASCADE, related_name="results")
    asset = models.ForeignKey(MediaAsset, on_delete=models.CASCADE, related_name="gradings")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    failure_code = models.CharField(max_length=40, blank=True)
    failure_message = models.CharField(max_length=400, blank=True)
    warnings = models.JSONField(default=list, blank=True)  # [{"code", "message", "severity"}]
    quality = models.JSONField(default=dict, blank=True)
    scale_method = models.CharField(max_length=16, blank=True)  # "iris" or "rest_photo"
    mm_per_px = models.FloatField(null=True, blank=True)
    # {"right": {...}, "left": {...}, "bilateral": {...}, "asymmetry": {name: {"abs_diff", "pct_of_healthy"}}}
    measures = models.JSONField(default=dict, blank=True)
    landmarks = models.JSONField(default=list, blank=True)  # photos: 478 x [x, y, z] px, rounded
    landmarks_file = models.FileField(upload_to=_media_path, max_length=200, blank=True)  # video: .npz per frame
    overlay = models.FileField(upload_to=_media_path, max_length=200, blank=True)
    video = models.JSONField(default=dict, blank=True)  # series, peaks, episodes, synkinesis
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run_id", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "asset"], name="asset_grading_once_per_run")]

    def __str__(self) -> str:
        return f"{self.asset} in grading #{self.run_id}"


class GradingSuggestion(models.Model):
    """A scale item suggested from the measures; the therapist's accepted value is kept beside it."""

    class Scale(models.TextChoices):
        EFACE = "eface", "eFACE"
        HOUSE_BRACKMANN = "house_brackmann", "House-Brackmann"

    run = models.ForeignKey(GradingRun, on_delete=models.CASCADE, related_name="suggestions")
    scale = models.CharField(max_length=20, choices=Scale.choices)
    item = models.CharField(max_length=48)
    suggested_value = models.FloatField()
    basis = models.CharField(max_length=400)  # the formula with the numbers used
    accepted_value = models.FloatField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run_id", "scale", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "scale", "item"], name="grading_suggestion_unique")]

    def __str__(self) -> str:
        return f"{self.scale}.{self.item} = {self.suggested_value:g}"

    @property
    def changed(self) -> bool:
        return self.accepted_value is not None and self.accepted_value != self.suggested_value
