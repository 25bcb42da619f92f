"""Treatments given alongside therapy: botulinum toxin injections and other procedures."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from patients.scales.muscle_review import MUSCLES

TOXIN_MUSCLE_CHOICES = [(code, name) for code, name, _region in MUSCLES] + [("other", "Other (see notes)")]


class ToxinInjection(models.Model):
    """One botulinum toxin treatment: the date, the product and one line per injected muscle."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="toxin_injections")
    given_on = models.DateField()
    product = models.CharField(max_length=80, help_text="e.g. onabotulinumtoxinA, incobotulinumtoxinA")
    injector = models.CharField(max_length=120, blank=True, help_text="Who injected, when not one of us.")
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-given_on", "-id"]

    def __str__(self) -> str:
        return f"{self.product} on {self.given_on:%d %b %Y}"

    @property
    def total_units(self) -> Decimal:
        return sum((site.units for site in self.sites.all()), Decimal(0))


class ToxinInjectionSite(models.Model):
    injection = models.ForeignKey(ToxinInjection, on_delete=models.CASCADE, related_name="sites")
    muscle = models.CharField(max_length=40, choices=TOXIN_MUSCLE_CHOICES)
    side = models.CharField(max_length=8, choices=[("left", "Left"), ("right", "Right")])
    units = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("200"))],
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_muscle_display()} {self.side} {self.units} U"


class TreatmentEvent(models.Model):
    """Surgery, medication courses and other treatment given outside therapy."""

    class Kind(models.TextChoices):
        SURGERY = "surgery", "Surgery"
        MEDICATION = "medication", "Medication"
        EYE_CARE = "eye_care", "Eye protection"
        OTHER = "other", "Other"

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="treatments")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SURGERY)
    performed_on = models.DateField()
    title = models.CharField(max_length=160, help_text="e.g. Gold weight upper lid, Masseteric nerve transfer")
    side = models.CharField(
        max_length=16, blank=True, choices=[("left", "Left"), ("right", "Right"), ("bilateral", "Both sides")]
    )
    detail = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-performed_on", "-id"]

    def __str__(self) -> str:
        return self.title
