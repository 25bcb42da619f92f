"""EMG biofeedback sessions at the chair: protocol, electrode sites, calibration, trials, report.

A session belongs to one patient and one chair. Its EMG is the chair's recording (the device
streams continuously; the session refers to the recording and to sample ranges of it): the
calibration steps and the trials are markers stored as sample indices of a recording, so the
report recomputes everything from the stored samples. ``session.recording`` is the chair's
current recording; each marker and trial keeps its own (an agent restart opens a new one).
Thresholds are % of the calibration (CLINICAL.md section 7): rest = 0 %, maximal voluntary
expression = 100 %.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

MUSCLES = (
    ("frontalis", "Frontalis (brow raise)"),
    ("orbicularis_oculi", "Orbicularis oculi (eye closure)"),
    ("zygomaticus_major", "Zygomaticus major (smile)"),
    ("orbicularis_oris", "Orbicularis oris (pucker)"),
    ("depressor_anguli_oris", "Depressor anguli oris"),
    ("mentalis", "Mentalis"),
    ("platysma", "Platysma (neck)"),
)
SIDES = (("left", "Left"), ("right", "Right"))


class BiofeedbackSession(models.Model):
    class Protocol(models.TextChoices):
        SYMMETRY = "symmetry", "Symmetry training"
        INHIBITION = "inhibition", "Inhibition of synkinesis"
        UPTRAINING = "uptraining", "Uptraining"

    class Status(models.TextChoices):
        CALIBRATING = "calibrating", "Calibrating"
        TRAINING = "training", "Training"
        ENDED = "ended", "Ended"

    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="biofeedback_sessions")
    chair = models.ForeignKey("clinic.Chair", on_delete=models.PROTECT, related_name="biofeedback_sessions")
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    protocol = models.CharField(max_length=16, choices=Protocol.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CALIBRATING)
    # One entry per recording channel: [{"muscle": "zygomaticus_major", "side": "left"}, ...]
    sites = models.JSONField()
    # Channel roles of the protocol: symmetry {"affected", "healthy"}, inhibition {"target",
    # "inhibit"}, uptraining {"target"}; values are channel indices.
    roles = models.JSONField()
    threshold_pct = models.FloatField(null=True, blank=True, help_text="Target line, % of calibration.")
    ceiling_pct = models.FloatField(null=True, blank=True, help_text="Inhibit-channel ceiling, % of calibration.")
    # {"rest": [µV per channel], "maximum": [µV per channel]} (moving-RMS envelope values).
    calibration = models.JSONField(null=True, blank=True)
    recording = models.ForeignKey(
        "therapy.Recording", null=True, blank=True, on_delete=models.SET_NULL, related_name="biofeedback_sessions"
    )
    sample_from = models.BigIntegerField(null=True, blank=True)
    sample_to = models.BigIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["chair"],
                condition=models.Q(ended_at__isnull=True),
                name="biofeedback_one_open_session_per_chair",
            )
        ]
        indexes = [models.Index(fields=["patient", "-started_at"], name="biofeedback_patient_started")]

    def __str__(self) -> str:
        return f"{self.get_protocol_display()} session {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    def site_label(self, channel: int) -> str:
        site = self.sites[channel]
        return f"{dict(MUSCLES).get(site['muscle'], site['muscle']).split(' (')[0]} {site['side'][0].upper()}"


class SessionMarker(models.Model):
    """A calibration step: a sample range of the recording at rest or at a maximal expression."""

    class Kind(models.TextChoices):
        REST = "rest", "Rest baseline"
        MAXIMUM = "maximum", "Maximal voluntary expression"

    session = models.ForeignKey(BiofeedbackSession, on_delete=models.CASCADE, related_name="markers")
    # The recording the sample range belongs to (a session outlives an agent restart).
    recording = models.ForeignKey("therapy.Recording", null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    channel = models.PositiveSmallIntegerField(null=True, blank=True)  # maximum: the channel measured
    sample_from = models.BigIntegerField()
    sample_to = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "sample_from"]
        constraints = [
            models.CheckConstraint(condition=models.Q(sample_to__gt=models.F("sample_from")), name="marker_order")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} [{self.sample_from}, {self.sample_to})"


class BiofeedbackTrial(models.Model):
    """One exercise of the session: its prompt, the emotion it is paired with, and its samples."""

    session = models.ForeignKey(BiofeedbackSession, on_delete=models.CASCADE, related_name="trials")
    recording = models.ForeignKey("therapy.Recording", null=True, on_delete=models.SET_NULL, related_name="+")
    number = models.PositiveSmallIntegerField()
    prompt = models.CharField(max_length=200)
    emotional_cue = models.CharField(max_length=200, blank=True)
    duration_s = models.FloatField()
    sample_start = models.BigIntegerField()
    sample_stop = models.BigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "number"]
        constraints = [models.UniqueConstraint(fields=["session", "number"], name="biofeedback_trial_number")]

    def __str__(self) -> str:
        return f"trial {self.number}: {self.prompt}"


class SessionReport(models.Model):
    """What the report task computed from the stored recording; one per session (idempotent)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    session = models.OneToOneField(BiofeedbackSession, on_delete=models.CASCADE, related_name="report")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # %
    trials = models.JSONField(default=list)
    summary = models.JSONField(default=dict)
    envelope_svg = models.TextField(blank=True)
    method_version = models.CharField(max_length=16, blank=True)
    error = models.TextField(blank=True)
    runs = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"report of session {self.session_id} ({self.status})"
