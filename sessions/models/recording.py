"""EMG recordings streamed by the edge device at a chair, stored window by window.

A recording is one continuous acquisition run of one device (its id is a UUID chosen on the
device, so a replay after any restart lands on the same rows). Windows are unique on
(recording, seq): a window sent twice is stored once. Samples are kept as the device sent them
(int16, int24 or float32 counts, channel-major), zlib-compressed, with the µV scale of the
recording. Read them through ``sessions.ingest.selectors``, never by decoding payloads by hand.

A biofeedback session (another area) refers to a recording of its chair and a sample range of it.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models


class Recording(models.Model):
    class EndReason(models.TextChoices):
        STOPPED = "stopped", "Stopped on the device"
        INTERRUPTED = "interrupted", "Interrupted (agent restarted)"
        DRIVER_ERROR = "driver_error", "Front-end error"

    id = models.UUIDField(primary_key=True, editable=False)
    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.CASCADE, related_name="recordings")
    device = models.ForeignKey("clinic.EdgeDevice", null=True, on_delete=models.SET_NULL, related_name="recordings")
    # The chair the device stood at when the recording was opened.
    chair = models.ForeignKey(
        "clinic.Chair", null=True, blank=True, on_delete=models.SET_NULL, related_name="recordings"
    )
    sampling_rate_hz = models.PositiveIntegerField()
    channel_count = models.PositiveSmallIntegerField()
    # [{"label": "Zygomaticus L", "muscle": "zygomaticus_major", "side": "left"}, ...]
    channels = models.JSONField()
    sample_dtype = models.CharField(max_length=8)  # int16 | int24 | float32
    scale_uv = models.FloatField(help_text="Microvolts per count of the stored samples.")
    window_samples = models.PositiveIntegerField()
    driver = models.CharField(max_length=40, blank=True)
    agent = models.CharField(max_length=80, blank=True)
    started_at = models.DateTimeField(help_text="Device clock at the first sample.")
    opened_at = models.DateTimeField(auto_now_add=True)
    last_window_at = models.DateTimeField(null=True, blank=True)
    windows_stored = models.BigIntegerField(default=0)
    samples_stored = models.BigIntegerField(default=0)
    bytes_stored = models.BigIntegerField(default=0)
    max_seq = models.BigIntegerField(default=-1)
    # Highest seq such that every window up to it is stored or declared lost by the device.
    acked_through = models.BigIntegerField(default=-1)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)
    windows_expected = models.BigIntegerField(null=True, blank=True)
    samples_expected = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["chair", "-started_at"], name="recording_chair_started"),
            models.Index(fields=["clinic", "-started_at"], name="recording_clinic_started"),
        ]

    def __str__(self) -> str:
        return f"recording {self.id} ({self.sampling_rate_hz} Hz × {self.channel_count})"

    @property
    def duration_s(self) -> float:
        return (self.max_sample_end or 0) / self.sampling_rate_hz

    @property
    def max_sample_end(self) -> int:
        return self.samples_expected if self.samples_expected is not None else self.samples_stored

    @property
    def is_ended(self) -> bool:
        return self.ended_at is not None

    @property
    def is_complete(self) -> bool:
        """Ended, and every window the device produced is stored or was declared lost."""
        return self.windows_expected is not None and self.acked_through >= self.windows_expected - 1

    def time_of_sample(self, sample_index: int):
        return self.started_at + timedelta(seconds=sample_index / self.sampling_rate_hz)

    def sample_at(self, when) -> int:
        return int(round((when - self.started_at).total_seconds() * self.sampling_rate_hz))


class RecordingWindow(models.Model):
    class Encoding(models.IntegerChoices):
        RAW = 0, "raw"
        ZLIB = 1, "zlib"

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="windows", db_index=False)
    seq = models.BigIntegerField()
    sample_start = models.BigIntegerField()
    n_samples = models.PositiveIntegerField()
    device_time_us = models.BigIntegerField()
    lead_off = models.PositiveSmallIntegerField(default=0)
    flags = models.PositiveSmallIntegerField(default=0)
    encoding = models.PositiveSmallIntegerField(choices=Encoding.choices, default=Encoding.ZLIB)
    payload = models.BinaryField()
    received_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["recording", "seq"], name="recording_window_unique_seq")]
        indexes = [models.Index(fields=["recording", "sample_start"], name="recording_window_sample")]

    def __str__(self) -> str:
        return f"{self.recording_id}#{self.seq}"


class RecordingGap(models.Model):
    """Windows the device declared lost (its outbox overflowed, or its front end failed)."""

    class Reason(models.TextChoices):
        OUTBOX_FULL = "outbox_full", "Device outbox full: oldest windows dropped"
        DEVICE_FAULT = "device_fault", "Front-end fault on the device"

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="declared_gaps")
    from_seq = models.BigIntegerField()
    to_seq = models.BigIntegerField()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recording", "from_seq", "to_seq"], name="recording_gap_unique"),
            models.CheckConstraint(condition=models.Q(to_seq__gte=models.F("from_seq")), name="recording_gap_order"),
        ]
        ordering = ["recording", "from_seq"]

    def __str__(self) -> str:
        return f"{self.recording_id} seq {self.from_seq}–{self.to_seq} ({self.reason})"
