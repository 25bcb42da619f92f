from __future__ import annotations

from django.conf import settings
from django.db import models


class Etiology(models.TextChoices):
    BELLS_PALSY = "bells_palsy", "Bell's palsy"
    RAMSAY_HUNT = "ramsay_hunt", "Ramsay Hunt syndrome"
    ACOUSTIC_NEUROMA = "acoustic_neuroma", "Acoustic neuroma (vestibular schwannoma)"
    TRAUMA = "trauma", "Facial or temporal bone trauma"
    TUMOUR = "tumour", "Tumour (other)"
    INFECTION = "infection", "Infection"
    STROKE = "stroke", "Stroke (cerebrovascular)"
    CONGENITAL = "congenital", "Congenital"
    OTHER = "other", "Other"


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BILATERAL = "bilateral", "Bilateral"


class RecoveryStage(models.IntegerChoices):
    """CLINICAL.md section 1: the stage decides what a home program may contain."""

    FLACCID = 1, "1 · Flaccid / early"
    RETURNING = 2, "2 · Returning movement"
    SYNKINESIS = 3, "3 · Established synkinesis"
    LONG_TERM = 4, "4 · Long-term maintenance"


class Patient(models.Model):
    # The fields a therapist edits on the record (form, API and services share this list).
    EDITABLE_FIELDS = (
        "record_number",
        "first_name",
        "last_name",
        "date_of_birth",
        "sex",
        "email",
        "phone",
        "etiology",
        "etiology_detail",
        "affected_side",
        "onset_date",
        "stage",
        "history",
    )

    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="patients")
    # The portal account, when the patient has been invited; a record can exist without one.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="patient"
    )
    record_number = models.CharField(max_length=32, help_text="Clinic record number (MRN)")
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(
        max_length=16,
        blank=True,
        choices=[("female", "Female"), ("male", "Male"), ("other", "Other"), ("unknown", "Not stated")],
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    etiology = models.CharField(max_length=32, choices=Etiology.choices, default=Etiology.BELLS_PALSY)
    etiology_detail = models.CharField(
        max_length=200, blank=True, help_text="Specifics, e.g. the tumour, the operation, the injury."
    )
    affected_side = models.CharField(max_length=16, choices=Side.choices, default=Side.LEFT)
    onset_date = models.DateField(null=True, blank=True)
    stage = models.PositiveSmallIntegerField(choices=RecoveryStage.choices, default=RecoveryStage.FLACCID)
    history = models.TextField(
        blank=True, help_text="Relevant history: recurrence, diabetes, pregnancy, eye problems, medication…"
    )
    care_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="caseload", limit_choices_to={"role": "therapist"}
    )
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "record_number"], name="patient_record_number_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def healthy_side(self) -> str | None:
        return {Side.LEFT: Side.RIGHT, Side.RIGHT: Side.LEFT}.get(self.affected_side)


class StageChange(models.Model):
    """Each change of recovery stage, so the timeline shows how the patient moved through them."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.PositiveSmallIntegerField(choices=RecoveryStage.choices, null=True, blank=True)
    to_stage = models.PositiveSmallIntegerField(choices=RecoveryStage.choices)
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"Stage {self.from_stage} → {self.to_stage}"


class Consent(models.Model):
    """A consent the patient gave or refused; the newest record of a kind is the one in force."""

    class Kind(models.TextChoices):
        TREATMENT = "treatment", "Assessment and therapy"
        PHOTOGRAPHY = "photography", "Photographs and video for the record"
        EMG = "emg", "Surface EMG recording"
        TEACHING = "teaching", "De-identified use in teaching and research"
        ELECTRONIC = "electronic", "E-mail reminders and the patient portal"

    class Method(models.TextChoices):
        WRITTEN = "written", "Signed form"
        VERBAL = "verbal", "Verbal, witnessed"
        PORTAL = "portal", "In the patient portal"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    granted = models.BooleanField()
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.WRITTEN)
    given_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-given_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {'granted' if self.in_force else 'not granted'}"

    @property
    def in_force(self) -> bool:
        return self.granted and self.withdrawn_on is None
