"""Writes on the patient record. One transaction each, audited inside it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from clinic.audit import audit_record
from clinic.errors import DomainError
from clinic.models import Clinic, User
from clinic.services import user_invite
from patients.models import Consent, Patient, StageChange, ToxinInjection, ToxinInjectionSite, TreatmentEvent
from patients.models.treatment import TOXIN_MUSCLE_CHOICES

_EDITABLE = frozenset(Patient.EDITABLE_FIELDS)


def _ensure_therapist(actor: User, patient: Patient) -> None:
    if not (actor.is_authenticated and actor.is_therapist and actor.clinic_id == patient.clinic_id):
        raise PermissionDenied("Only therapists of the patient's clinic change the record.")


def _check_dates(fields: dict) -> None:
    today = timezone.localdate()
    born = fields.get("date_of_birth")
    onset = fields.get("onset_date")
    if born and born > today:
        raise DomainError("The date of birth is in the future.", field="date_of_birth")
    if onset and onset > today:
        raise DomainError("The onset date is in the future.", field="onset_date")
    if born and onset and onset < born:
        raise DomainError("The onset date is before the date of birth.", field="onset_date")


def _clean_care_team(clinic: Clinic, care_team) -> list[User]:
    members = list(care_team)
    for member in members:
        if not (member.is_therapist and member.clinic_id == clinic.pk and member.is_active):
            raise DomainError("The care team is made of active therapists of this clinic.", field="care_team")
    return members


@transaction.atomic
def patient_create(*, actor: User, clinic: Clinic, care_team=None, **fields) -> Patient:
    unknown = set(fields) - _EDITABLE
    if unknown:
        raise DomainError(f"Unknown patient fields: {', '.join(sorted(unknown))}")
    _check_dates(fields)
    record_number = (fields.get("record_number") or "").strip()
    if not record_number:
        raise DomainError("A record number is required.", field="record_number")
    if Patient.objects.filter(clinic=clinic, record_number=record_number).exists():
        raise DomainError("Another patient already has this record number.", field="record_number", code="duplicate")
    patient = Patient(clinic=clinic, created_by=actor, **fields)
    patient.full_clean()
    patient.save()
    if care_team is not None:
        patient.care_team.set(_clean_care_team(clinic, care_team))
    elif actor.is_therapist:
        patient.care_team.add(actor)
    StageChange.objects.create(patient=patient, from_stage=None, to_stage=patient.stage, changed_by=actor)
    audit_record(actor=actor, action="patient.create", obj=patient)
    return patient


@transaction.atomic
def patient_update(*, actor: User, patient: Patient, care_team=None, stage_note: str = "", **fields) -> Patient:
    unknown = set(fields) - _EDITABLE
    if unknown:
        raise DomainError(f"Unknown patient fields: {', '.join(sorted(unknown))}")
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    merged = {"date_of_birth": patient.date_of_birth, "onset_date": patient.onset_date} | {
        k: v for k, v in fields.items() if k in ("date_of_birth", "onset_date")
    }
    _check_dates(merged)
    record_number = fields.get("record_number")
    if record_number is not None:
        fields["record_number"] = record_number = record_number.strip()
        if not record_number:
            raise DomainError("A record number is required.", field="record_number")
        clash = Patient.objects.filter(clinic_id=patient.clinic_id, record_number=record_number).exclude(pk=patient.pk)
        if clash.exists():
            raise DomainError(
                "Another patient already has this record number.", field="record_number", code="duplicate"
            )
    old_stage = patient.stage
    changed = sorted(k for k, v in fields.items() if getattr(patient, k) != v)
    for key in changed:
        setattr(patient, key, fields[key])
    patient.full_clean()
    patient.save()
    if care_team is not None:
        members = _clean_care_team(patient.clinic, care_team)
        if {m.pk for m in members} != set(patient.care_team.values_list("pk", flat=True)):
            patient.care_team.set(members)
            changed.append("care_team")
    if "stage" in changed:
        StageChange.objects.create(
            patient=patient, from_stage=old_stage, to_stage=patient.stage, changed_by=actor, note=stage_note[:300]
        )
    audit_record(actor=actor, action="patient.update", obj=patient, extra={"changed": changed})
    return patient


@transaction.atomic
def patient_set_archived(*, actor: User, patient: Patient, archived: bool) -> Patient:
    _ensure_therapist(actor, patient)
    patient.is_archived = archived
    patient.save(update_fields=["is_archived", "updated_at"])
    audit_record(actor=actor, action="patient.archive" if archived else "patient.unarchive", obj=patient)
    return patient


# --- Consent ----------------------------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *,
    actor: User,
    patient: Patient,
    kind: str,
    granted: bool,
    given_on: date | None = None,
    method: str = "written",
    note: str = "",
) -> Consent:
    _ensure_therapist(actor, patient)
    if kind not in Consent.Kind.values:
        raise DomainError("Unknown kind of consent.", field="kind")
    if method not in Consent.Method.values:
        raise DomainError("Unknown way of giving consent.", field="method")
    given_on = given_on or timezone.localdate()
    if given_on > timezone.localdate():
        raise DomainError("A consent cannot be dated in the future.", field="given_on")
    consent = Consent.objects.create(
        patient=patient,
        kind=kind,
        granted=bool(granted),
        method=method,
        given_on=given_on,
        note=note.strip()[:300],
        recorded_by=actor,
    )
    audit_record(actor=actor, action="consent.record", obj=consent, extra={"kind": kind, "granted": consent.granted})
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, consent: Consent, withdrawn_on: date | None = None) -> Consent:
    consent = Consent.objects.select_for_update().select_related("patient").get(pk=consent.pk)
    _ensure_therapist(actor, consent.patient)
    if not consent.in_force:
        raise DomainError("This consent is not in force.", code="not_in_force")
    consent.withdrawn_on = withdrawn_on or timezone.localdate()
    consent.withdrawn_by = actor
    consent.save(update_fields=["withdrawn_on", "withdrawn_by"])
    audit_record(actor=actor, action="consent.withdraw", obj=consent, extra={"kind": consent.kind})
    return consent


def consent_in_force(patient: Patient, kind: str) -> bool:
    """Whether the newest consent of ``kind`` is granted and not withdrawn (other areas check photography, EMG)."""
    latest = Consent.objects.filter(patient=patient, kind=kind).order_by("-given_on", "-id").first()
    return latest is not None and latest.in_force


# --- Treatments alongside therapy -------------------------------------------------------------------

_MUSCLES = {code for code, _label in TOXIN_MUSCLE_CHOICES}


@transaction.atomic
def toxin_injection_record(
    *,
    actor: User,
    patient: Patient,
    given_on: date,
    product: str,
    sites: list[dict],
    injector: str = "",
    notes: str = "",
) -> ToxinInjection:
    """One toxin treatment with its injection sites: ``[{"muscle", "side", "units"}, …]``."""
    _ensure_therapist(actor, patient)
    if given_on > timezone.localdate():
        raise DomainError("An injection cannot be dated in the future.", field="given_on")
    product = (product or "").strip()
    if not product:
        raise DomainError("Name the product.", field="product")
    if not sites:
        raise DomainError("Add at least one injected muscle.", field="sites")
    clean_sites = []
    for index, site in enumerate(sites):
        muscle, side = site.get("muscle"), site.get("side")
        if muscle not in _MUSCLES:
            raise DomainError(f"Line {index + 1}: choose the muscle.", field="sites")
        if side not in ("left", "right"):
            raise DomainError(f"Line {index + 1}: choose the side.", field="sites")
        try:
            units = Decimal(str(site.get("units"))).quantize(Decimal("0.1"))
        except (InvalidOperation, ValueError):
            raise DomainError(f"Line {index + 1}: units must be a number.", field="sites") from None
        if not Decimal("0.1") <= units <= Decimal("200"):
            raise DomainError(f"Line {index + 1}: units must be between 0.1 and 200.", field="sites")
        clean_sites.append((muscle, side, units))
    injection = ToxinInjection.objects.create(
        patient=patient,
        given_on=given_on,
        product=product[:80],
        injector=injector.strip()[:120],
        notes=notes.strip(),
        recorded_by=actor,
    )
    ToxinInjectionSite.objects.bulk_create(
        ToxinInjectionSite(injection=injection, muscle=m, side=s, units=u) for m, s, u in clean_sites
    )
    audit_record(
        actor=actor,
        action="toxin.record",
        obj=injection,
        extra={"sites": len(clean_sites), "units": str(sum(u for _m, _s, u in clean_sites))},
    )
    return injection


@transaction.atomic
def toxin_injection_delete(*, actor: User, injection: ToxinInjection) -> None:
    _ensure_therapist(actor, injection.patient)
    audit_record(actor=actor, action="toxin.delete", obj=injection)
    injection.delete()


@transaction.atomic
def treatment_record(
    *,
    actor: User,
    patient: Patient,
    kind: str,
    performed_on: date,
    title: str,
    side: str = "",
    detail: str = "",
) -> TreatmentEvent:
    _ensure_therapist(actor, patient)
    if kind not in TreatmentEvent.Kind.values:
        raise DomainError("Unknown kind of treatment.", field="kind")
    if performed_on > timezone.localdate():
        raise DomainError("A treatment cannot be dated in the future.", field="performed_on")
    title = (title or "").strip()
    if not title:
        raise DomainError("Say what was done.", field="title")
    if side not in ("", "left", "right", "bilateral"):
        raise DomainError("Unknown side.", field="side")
    event = TreatmentEvent.objects.create(
        patient=patient,
        kind=kind,
        performed_on=performed_on,
        title=title[:160],
        side=side,
        detail=detail.strip(),
        recorded_by=actor,
    )
    audit_record(actor=actor, action="treatment.record", obj=event, extra={"kind": kind})
    return event


@transaction.atomic
def treatment_delete(*, actor: User, treatment: TreatmentEvent) -> None:
    _ensure_therapist(actor, treatment.patient)
    audit_record(actor=actor, action="treatment.delete", obj=treatment)
    treatment.delete()


@transaction.atomic
def patient_portal_invite(
    *, actor: User, clinic: Clinic, record_number: str, first_name: str, last_name: str, email: str
) -> Patient:
    """Give a patient a portal account: the record is found by record number, or created."""
    patient = Patient.objects.select_for_update().filter(clinic=clinic, record_number=record_number.strip()).first()
    if patient is not None and patient.user_id is not None:
        raise DomainError("This patient already has a portal account.", field="record_number", code="duplicate")
    if patient is None:
        patient = Patient(
            clinic=clinic,
            record_number=record_number.strip(),
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=email.strip().lower(),
            created_by=actor,
        )
        patient.save()
        audit_record(actor=actor, action="patient.create", obj=patient)
    user = user_invite(
        actor=actor, clinic=clinic, email=email, first_name=first_name, last_name=last_name, role=User.Role.PATIENT
    )
    patient.user = user
    patient.save(update_fields=["user"])
    audit_record(actor=actor, action="patient.portal_invite", obj=patient)
    return patient
