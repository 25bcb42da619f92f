from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q


class Clinic(models.Model):
    """A tenant: every patient, account, chair and device belongs to exactly one clinic."""

    class MainsFrequency(models.IntegerChoices):
        HZ50 = 50, "50 Hz (Europe, Asia, Africa, Oceania)"
        HZ60 = 60, "60 Hz (Americas, parts of Asia)"

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    timezone = models.CharField(max_length=64, default="Europe/London")
    mains_frequency_hz = models.PositiveSmallIntegerField(
        choices=MainsFrequency.choices,
        default=MainsFrequency.HZ50,
        help_text="Used for the EMG notch filter at the chairs of this clinic.",
    )
    require_staff_2fa = models.BooleanField(
        default=False, help_text="Therapists and admins must sign in with an authenticator app."
    )
    tightness_alert_threshold = models.PositiveSmallIntegerField(
        default=6,
        help_text="Default tightness (0–10) reported by a patient that switches the day to release work.",
    )
    contact_email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """An account. ``username`` holds the lower-cased e-mail address used to sign in."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Clinic admin"
        THERAPIST = "therapist", "Therapist"
        PATIENT = "patient", "Patient"

    clinic = models.ForeignKey(Clinic, null=True, blank=True, on_delete=models.PROTECT, related_name="members")
    role = models.CharField(max_length=16, choices=Role.choices, blank=True)
    title = models.CharField(max_length=80, blank=True, help_text="e.g. OT, PT, SLP")
    invited_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    activated_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    class Meta:
        constraints = [
            # A clinic account always has a role; platform operators (superusers) have neither.
            models.CheckConstraint(
                condition=Q(clinic__isnull=True, role="") | Q(clinic__isnull=False) & ~Q(role=""),
                name="user_clinic_role_together",
            ),
        ]

    @property
    def is_clinic_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def is_therapist(self) -> bool:
        return self.role == self.Role.THERAPIST

    @property
    def is_patient(self) -> bool:
        return self.role == self.Role.PATIENT

    @property
    def is_clinic_staff(self) -> bool:
        return self.role in (self.Role.ADMIN, self.Role.THERAPIST)

    @property
    def display_name(self) -> str:
        full = self.get_full_name()
        return full or self.email or self.username

    @property
    def pending_invite(self) -> bool:
        return self.invited_at is not None and self.activated_at is None


class Chair(models.Model):
    """A treatment chair: where a patient sits for EMG biofeedback."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="chairs")
    name = models.CharField(max_length=80)
    room = models.CharField(max_length=80, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "name"], name="chair_name_unique_in_clinic")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EdgeDevice(models.Model):
    """A Raspberry Pi at a chair. Its token is stored only as a keyed hash (see clinic.tokens)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="devices")
    chair = models.ForeignKey(Chair, null=True, blank=True, on_delete=models.SET_NULL, related_name="devices")
    name = models.CharField(max_length=80)
    token_prefix = models.CharField(max_length=8, unique=True)
    token_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_ip = models.GenericIPAddressField(null=True, blank=True)
    # Ingest counters, updated by the device consumer.
    windows_received = models.BigIntegerField(default=0)
    bytes_received = models.BigIntegerField(default=0)
    frames_rejected = models.BigIntegerField(default=0)
    connections = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class ApiToken(models.Model):
    """A personal token for scripts calling the REST API (``Authorization: Token rta_...``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    token_prefix = models.CharField(max_length=8, unique=True)
    token_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} (rta_{self.token_prefix}_…)"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("the audit log is append-only")

    def delete(self):
        raise PermissionError("the audit log is append-only")


class AuditEvent(models.Model):
    """One read or write of patient data, or a security event. Append-only (also enforced in SQL)."""

    class Outcome(models.TextChoices):
        OK = "ok", "Allowed"
        DENIED = "denied", "Denied"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # No database constraint on these two: the trail keeps the ids after an account or clinic is gone,
    # and the append-only trigger forbids the UPDATE that SET_NULL would need.
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor_label = models.CharField(max_length=160, blank=True)
    actor_role = models.CharField(max_length=16, blank=True)
    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    action = models.CharField(max_length=64)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.OK)
    object_type = models.CharField(max_length=48, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # Plain integer, not a foreign key: the trail outlives a deleted record and holds no PII.
    patient_id = models.BigIntegerField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "-at"], name="audit_clinic_at"),
            models.Index(fields=["patient_id", "-at"], name="audit_patient_at"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the audit log is append-only")
