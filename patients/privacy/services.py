"""A patient's data on request: everything about one patient as a zip, and its erasure.

Both walk what deleting the patient would delete (Django's deletion collector follows every
relation to the patient, in every app, so an area added later is covered without being listed
here) plus the patient's portal account. The audit trail is kept: it is append-only and holds ids,
never names or clinical content.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import router, transaction
from django.db.models import FileField, Model
from django.db.models.deletion import Collector
from django.utils import timezone

from clinic.audit import audit_record
from clinic.errors import DomainError
from clinic.models import AuditEvent, User
from patients.models import Patient


def _collect(patient: Patient) -> Collector:
    collector = Collector(using=router.db_for_write(Patient))
    collector.collect([patient])
    return collector


def _rows(collector: Collector) -> dict[type[Model], list[Model]]:
    """Every row the deletion of the patient removes, by model (fast deletes included)."""
    rows: dict[type[Model], list[Model]] = defaultdict(list)
    for model, instances in collector.data.items():
        rows[model].extend(instances)
    for queryset in collector.fast_deletes:
        rows[queryset.model].extend(queryset)
    return rows


def _files(rows: dict[type[Model], list[Model]]) -> list[tuple[Model, str, str]]:
    found = []
    for model, instances in rows.items():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, FileField)]
        for instance in instances:
            for field in fields:
                name = getattr(instance, field.attname)
                if name:
                    found.append((instance, field.attname, str(name)))
    return found


@dataclass(frozen=True)
class PatientExport:
    filename: str
    content: bytes
    rows: int
    files: int


def patient_export(*, actor: User, patient: Patient) -> PatientExport:
    """A zip with ``patient.json`` (every stored row about the patient), ``fhir-bundle.json`` (the
    record as FHIR R4B), ``access-log.json`` (the audit trail of the patient) and ``files/`` (every
    photo, video and derived file, with its SHA-256 in ``manifest.json``)."""
    from patients.fhir.builder import build_bundle, bundle_json

    rows = _rows(_collect(patient))
    if patient.user_id:
        rows[User].append(patient.user)
    data = {
        model._meta.label: json.loads(serializers.serialize("json", instances, cls=DjangoJSONEncoder))
        for model, instances in sorted(rows.items(), key=lambda item: item[0]._meta.label)
    }
    for entry in data.get(User._meta.label, []):
        entry["fields"].pop("password", None)
    trail = list(
        AuditEvent.objects.filter(patient_id=patient.pk)
        .order_by("at", "id")
        .values("at", "actor_label", "actor_role", "action", "outcome", "object_type", "object_id", "extra")
    )
    buffer = io.BytesIO()
    manifest = {"patient": patient.pk, "exported_at": timezone.now().isoformat(), "files": []}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("patient.json", json.dumps(data, cls=DjangoJSONEncoder, indent=1))
        archive.writestr("fhir-bundle.json", json.dumps(bundle_json(build_bundle(patient, actor=actor)), indent=1))
        archive.writestr("access-log.json", json.dumps(trail, cls=DjangoJSONEncoder, indent=1))
        written: set[str] = set()
        for instance, attname, name in _files(rows):
            if name in written:  # one stored file may be referenced by two rows
                continue
            written.add(name)
            storage = instance._meta.get_field(attname).storage
            if not storage.exists(name):
                manifest["files"].append({"name": name, "missing": True})
                continue
            with storage.open(name, "rb") as handle:
                content = handle.read()
            archive.writestr(f"files/{name}", content)
            manifest["files"].append(
                {"name": name, "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
            )
        archive.writestr("manifest.json", json.dumps(manifest, indent=1))
    total = sum(len(v) for v in data.values())
    audit_record(
        actor=actor,
        action="patient.export",
        obj=patient,
        extra={"rows": total, "files": len(manifest["files"])},
    )
    return PatientExport(
        filename=f"patient-{patient.pk}-export.zip", content=buffer.getvalue(), rows=total, files=len(manifest["files"])
    )


@dataclass(frozen=True)
class ErasureResult:
    patient_id: int
    rows: dict[str, int]
    files: int


@transaction.atomic
def patient_erase(*, actor: User, patient: Patient, confirm_record_number: str) -> ErasureResult:
    """Delete the patient, everything stored about them and their portal account, then their files
    once the deletion has committed. The audit trail keeps its rows (ids only) and gains one."""
    if confirm_record_number.strip() != patient.record_number:
        raise DomainError(
            "Type the record number exactly to confirm the deletion.", field="confirm", code="not_confirmed"
        )
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    collector = _collect(patient)
    rows = _rows(collector)
    files = _files(rows)
    folders = {name.rsplit("/", 1)[0] for _i, _a, name in files if f"/{patient.pk}/" in f"/{name}"}
    counts = {model._meta.label: len(instances) for model, instances in rows.items()}
    account = patient.user
    patient_id, clinic = patient.pk, patient.clinic
    collector.delete()
    if account is not None:
        # The portal account goes too (its tokens and authenticator devices cascade), and the
        # sign-in records that name it.
        counts[User._meta.label] = 1
        counts["axes"] = _forget_sign_ins(account.get_username())
        account.delete()
    audit_record(
        actor=actor,
        action="patient.erase",
        object_type="patient",
        object_id=patient_id,
        patient_id=patient_id,
        clinic=clinic,
        extra={"rows": sum(counts.values()), "files": len(files), "tables": sorted(counts)},
    )

    def remove_files() -> None:
        emptied = set()
        for instance, attname, name in files:
            storage = instance._meta.get_field(attname).storage
            storage.delete(name)
            if hasattr(storage, "path") and name.rsplit("/", 1)[0] in folders:
                emptied.add(Path(storage.path(name)).parent)
        for folder in emptied:
            with contextlib.suppress(OSError):  # only when nothing else is in it
                folder.rmdir()

    transaction.on_commit(remove_files)
    return ErasureResult(patient_id=patient_id, rows=counts, files=len(files))


def _forget_sign_ins(username: str) -> int:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    return sum(
        model.objects.filter(username=username).delete()[0] for model in (AccessAttempt, AccessLog, AccessFailureLog)
    )
