"""Writes on the exercise library and home programs. One transaction each, audited inside it."""

from __future__ import annotations

import mimetypes
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from clinic.audit import audit_record
from clinic.errors import DomainError
from clinic.models import Clinic, User
from patients.models import Patient
from sessions.models import (
    Area,
    Category,
    Exercise,
    ExerciseMedia,
    ExerciseVersion,
    Kind,
    Program,
    ProgramItem,
    ProgramTemplate,
    TemplateItem,
)
from sessions.programs import rules
from sessions.programs.dates import clinic_today

VERSION_FIELDS = (
    "title",
    "category",
    "kind",
    "area",
    "summary",
    "steps",
    "emotional_cue",
    "target_muscles",
    "reps",
    "hold_seconds",
    "sets",
    "times_per_day",
    "days_per_week",
    "stages",
    "precautions",
)
DOSE_FIELDS = ("reps", "hold_seconds", "sets", "times_per_day", "days_per_week")


# --- Exercise library -------------------------------------------------------------------------------
def _clean_version_fields(fields: dict) -> dict:
    unknown = set(fields) - set(VERSION_FIELDS)
    if unknown:
        raise DomainError(f"Unknown exercise fields: {', '.join(sorted(unknown))}")
    data = dict(fields)
    if "title" in data:
        data["title"] = (data["title"] or "").strip()
        if not data["title"]:
            raise DomainError("An exercise needs a title.", field="title")
    for name, choices in (("category", Category), ("kind", Kind), ("area", Area)):
        if name in data and data[name] not in choices.values:
            raise DomainError(f"Unknown {name}: {data[name]!r}.", field=name)
    if "steps" in data:
        steps = [str(s).strip() for s in data["steps"] or [] if str(s).strip()]
        if not steps:
            raise DomainError("Write at least one step the patient follows.", field="steps")
        data["steps"] = steps
    if "target_muscles" in data:
        data["target_muscles"] = [str(m).strip() for m in data["target_muscles"] or [] if str(m).strip()]
    if "stages" in data:
        stages = sorted({int(s) for s in data["stages"] or []})
        if not stages or any(s not in (1, 2, 3, 4) for s in stages):
            raise DomainError("Choose the recovery stages (1–4) the exercise suits.", field="stages")
        data["stages"] = stages
    rules.validate_dosage({k: data.get(k) for k in DOSE_FIELDS})
    return data


@transaction.atomic
def exercise_create(*, actor: User | None, clinic: Clinic, key: str = "", **fields) -> Exercise:
    data = _clean_version_fields(fields)
    missing = [f for f in ("title", "category", "kind", "area", "steps", "stages") if not data.get(f)]
    if missing:
        raise DomainError(f"Missing: {', '.join(missing)}.", field=missing[0])
    exercise = Exercise.objects.create(clinic=clinic, key=key, created_by=actor)
    version = ExerciseVersion.objects.create(exercise=exercise, number=1, created_by=actor, **data)
    exercise.current = version
    exercise.save(update_fields=["current"])
    if actor is not None:
        audit_record(actor=actor, action="exercise.create", obj=exercise, clinic=clinic)
    return exercise


@transaction.atomic
def exercise_update(*, actor: User, exercise: Exercise, change_note: str = "", **fields) -> ExerciseVersion:
    """Save a new version. Programs keep the version they were given until the therapist updates them."""
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    current = exercise.current
    data = {name: getattr(current, name) for name in VERSION_FIELDS}
    data.update(_clean_version_fields(fields))
    if all(data[name] == getattr(current, name) for name in VERSION_FIELDS):
        return current
    number = (exercise.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ExerciseVersion.objects.create(
        exercise=exercise, number=number, created_by=actor, change_note=change_note.strip()[:200], **data
    )
    exercise.current = version
    exercise.save(update_fields=["current"])
    changed = sorted(name for name in VERSION_FIELDS if data[name] != getattr(current, name))
    audit_record(actor=actor, action="exercise.update", obj=exercise, extra={"version": number, "changed": changed})
    return version


@transaction.atomic
def exercise_set_archived(*, actor: User, exercise: Exercise, archived: bool) -> Exercise:
    exercise.is_archived = archived
    exercise.save(update_fields=["is_archived"])
    audit_record(actor=actor, action="exercise.archive" if archived else "exercise.restore", obj=exercise)
    return exercise


MEDIA_TYPES = {
    "image/jpeg": ("image", 8 * 1024 * 1024),
    "image/png": ("image", 8 * 1024 * 1024),
    "image/webp": ("image", 8 * 1024 * 1024),
    "video/mp4": ("video", 60 * 1024 * 1024),
    "video/webm": ("video", 60 * 1024 * 1024),
}
_MAGIC = {
    "image/jpeg": [b"\xff\xd8\xff"],
    "image/png": [b"\x89PNG\r\n\x1a\n"],
    "image/webp": [b"RIFF"],
    "video/webm": [b"\x1a\x45\xdf\xa3"],
}


def _sniff(upload, content_type: str) -> bool:
    head = upload.read(16)
    upload.seek(0)
    if content_type == "video/mp4":
        return head[4:8] == b"ftyp"
    return any(head.startswith(m) for m in _MAGIC.get(content_type, []))


def exercise_media_add(*, actor: User, exercise: Exercise, upload, caption: str = "") -> ExerciseMedia:
    """Add a picture or a video to an exercise. A picture is decoded and re-encoded without its
    metadata (a phone photo's EXIF carries where it was taken) and at most 2048 px; a video is
    checked by its first bytes and kept as sent."""
    from django.core.files.base import ContentFile

    from patients.media.validation import clean_picture

    content_type = mimetypes.guess_type(upload.name)[0] or ""
    if content_type not in MEDIA_TYPES:
        raise DomainError("Upload a JPEG, PNG or WebP image, or an MP4 or WebM video.", field="file")
    kind, limit = MEDIA_TYPES[content_type]
    if upload.size > limit:
        raise DomainError(f"The file is larger than {limit // (1024 * 1024)} MB.", field="file")
    if not _sniff(upload, content_type):
        raise DomainError("The file's content does not match its type.", field="file")
    content = upload
    if kind == "image":  # decoded before the transaction: a large image holds no database lock
        data, content_type, _ = clean_picture(upload, max_bytes=limit)
        content = ContentFile(data)
    with transaction.atomic():
        return _exercise_media_store(actor, exercise, content, content_type, kind, caption)


def _exercise_media_store(actor: User, exercise: Exercise, content, content_type: str, kind: str, caption: str):
    order = (exercise.media.aggregate(n=Max("order"))["n"] or 0) + 1
    media = ExerciseMedia(
        exercise=exercise,
        kind=kind,
        content_type=content_type,
        caption=caption.strip()[:160],
        order=order,
        size_bytes=content.size,
        created_by=actor,
    )
    media.file.save(f"ex{exercise.pk}{mimetypes.guess_extension(content_type) or ''}", content, save=False)
    media.save()
    audit_record(actor=actor, action="exercise.media_add", obj=exercise, extra={"media": media.pk, "kind": kind})
    return media


@transaction.atomic
def exercise_media_delete(*, actor: User, media: ExerciseMedia) -> None:
    exercise = media.exercise
    name = media.file.name
    media.delete()
    transaction.on_commit(lambda: media.file.storage.delete(name))
    audit_record(actor=actor, action="exercise.media_delete", obj=exercise, extra={"media": name})


# --- Programs -------------------------------------------------------------------------------------
def _require_therapist(actor: User) -> None:
    if not actor.is_therapist:
        raise DomainError("Only therapists build home programs.", code="forbidden")


def _clean_dose(values: dict) -> dict:
    dose = {k: values.get(k) for k in DOSE_FIELDS if k in values}
    dose = {k: (None if v in ("", None) else int(v)) for k, v in dose.items()}
    rules.validate_dosage(dose)
    return dose


def _check_dates(start_date: date, end_date: date | None) -> None:
    if end_date is not None and end_date < start_date:
        raise DomainError("The end date is before the start date.", field="end_date")
    if end_date is not None and (end_date - start_date).days > 366:
        raise DomainError("A home program runs at most a year; plan a review and a new program.", field="end_date")


@transaction.atomic
def program_create(
    *,
    actor: User,
    patient: Patient,
    title: str = "",
    start_date: date | None = None,
    end_date: date | None = None,
    template: ProgramTemplate | None = None,
    source: Program | None = None,
) -> Program:
    """A new draft program: empty, from a stage template, or a copy of a past program."""
    _require_therapist(actor)
    if template is not None and template.clinic_id != patient.clinic_id:
        raise DomainError("That template belongs to another clinic.", field="template")
    if source is not None and source.clinic_id != patient.clinic_id:
        raise DomainError("That program belongs to another clinic.", field="source")
    start_date = start_date or clinic_today(patient.clinic)
    duration = template.duration_days if template else 28
    if source is not None and source.end_date:
        duration = (source.end_date - source.start_date).days + 1
    if end_date is None:
        end_date = start_date + timedelta(days=duration - 1)
    _check_dates(start_date, end_date)
    title = (title or "").strip() or (template.name if template else f"Home program from {start_date:%d %b %Y}")
    program = Program.objects.create(
        clinic=patient.clinic,
        patient=patient,
        author=actor,
        title=title[:120],
        start_date=start_date,
        end_date=end_date,
        rotation=(template.rotation if template else source.rotation if source else []),
        tightness_threshold=source.tightness_threshold if source else None,
        message=source.message if source else "",
        stage_at_creation=patient.stage,
        from_template=template,
        from_program=source,
    )
    skipped: list[str] = []
    if template is not None:
        for order, t_item in enumerate(template.items.select_related("exercise__current"), start=1):
            exercise = t_item.exercise
            if exercise.is_archived or exercise.current is None:
                continue
            if rules.stage_advice(stage=patient.stage, version=exercise.current).blocked:
                skipped.append(exercise.current.title)
                continue
            ProgramItem.objects.create(
                program=program,
                version=exercise.current,
                order=order,
                every_day=t_item.every_day,
                notes=t_item.notes,
                **{k: getattr(t_item, k) for k in DOSE_FIELDS},
            )
    elif source is not None:
        for order, s_item in enumerate(source.items.select_related("version"), start=1):
            blocked = rules.stage_advice(stage=patient.stage, version=s_item.version).blocked
            if blocked and not s_item.override_reason:
                skipped.append(s_item.version.title)
                continue
            ProgramItem.objects.create(
                program=program,
                version=s_item.version,
                order=order,
                every_day=s_item.every_day,
                notes=s_item.notes,
                override_reason=s_item.override_reason if blocked else "",
                override_by=actor if blocked else None,
                override_at=timezone.now() if blocked else None,
                **{k: getattr(s_item, k) for k in DOSE_FIELDS},
            )
    audit_record(
        actor=actor,
        action="program.create",
        obj=program,
        extra={
            "template": template.pk if template else None,
            "source": source.pk if source else None,
            "skipped_for_stage": skipped,
        },
    )
    program.skipped_for_stage = skipped
    return program


PROGRAM_FIELDS = {"title", "start_date", "end_date", "rotation", "tightness_threshold", "shared", "message"}


@transaction.atomic
def program_update(*, actor: User, program: Program, **fields) -> Program:
    unknown = set(fields) - PROGRAM_FIELDS
    if unknown:
        raise DomainError(f"Unknown program fields: {', '.join(sorted(unknown))}")
    if not program.is_editable_status:
        raise DomainError("A completed or discontinued program can no longer be changed.", code="locked")
    if "rotation" in fields:
        fields["rotation"] = rules.validate_rotation(fields["rotation"])
    if "title" in fields:
        fields["title"] = (fields["title"] or "").strip()[:120]
        if not fields["title"]:
            raise DomainError("A program needs a title.", field="title")
    threshold = fields.get("tightness_threshold")
    if threshold is not None and not 0 <= int(threshold) <= 10:
        raise DomainError("Tightness is reported on a 0–10 scale.", field="tightness_threshold")
    if "shared" in fields and fields["shared"] != program.shared and actor.pk != program.author_id:
        raise DomainError("Only the author decides whether the program is shared.", field="shared")
    start = fields.get("start_date", program.start_date)
    end = fields.get("end_date", program.end_date)
    _check_dates(start, end)
    changed = sorted(k for k, v in fields.items() if getattr(program, k) != v)
    for key in changed:
        setattr(program, key, fields[key])
    program.save()
    audit_record(actor=actor, action="program.update", obj=program, extra={"changed": changed})
    return program


def _lock_editable(program: Program) -> Program:
    program = Program.objects.select_for_update().select_related("patient", "clinic").get(pk=program.pk)
    if not program.is_editable_status:
        raise DomainError("A completed or discontinued program can no longer be changed.", code="locked")
    return program


@transaction.atomic
def program_item_add(
    *,
    actor: User,
    program: Program,
    exercise: Exercise,
    override_reason: str = "",
    every_day: bool = False,
    notes: str = "",
    **dose,
) -> ProgramItem:
    program = _lock_editable(program)
    if exercise.clinic_id != program.clinic_id or exercise.current is None:
        raise DomainError("That exercise is not in this clinic's library.", field="exercise")
    if exercise.is_archived:
        raise DomainError("That exercise is archived.", field="exercise")
    version = exercise.current
    if program.items.filter(version__exercise=exercise).exists():
        raise DomainError(f"“{version.title}” is already in this program.", field="exercise", code="duplicate")
    reason = rules.require_stage_rule(stage=program.patient.stage, version=version, override_reason=override_reason)
    dose = _clean_dose(dose)
    order = (program.items.aggregate(n=Max("order"))["n"] or 0) + 1
    item = ProgramItem.objects.create(
        program=program,
        version=version,
        order=order,
        every_day=bool(every_day),
        notes=(notes or "").strip()[:300],
        override_reason=reason,
        override_by=actor if reason else None,
        override_at=timezone.now() if reason else None,
        **dose,
    )
    audit_record(
        actor=actor,
        action="program.item_add",
        obj=program,
        extra={"item": item.pk, "exercise": exercise.pk, "stage_override": bool(reason)},
    )
    return item


ITEM_FIELDS = set(DOSE_FIELDS) | {"every_day", "notes", "order", "override_reason"}


@transaction.atomic
def program_item_update(*, actor: User, item: ProgramItem, **fields) -> ProgramItem:
    unknown = set(fields) - ITEM_FIELDS
    if unknown:
        raise DomainError(f"Unknown item fields: {', '.join(sorted(unknown))}")
    _lock_editable(item.program)
    dose = _clean_dose({k: v for k, v in fields.items() if k in DOSE_FIELDS})
    for key, value in dose.items():
        setattr(item, key, value)
    if "every_day" in fields:
        item.every_day = bool(fields["every_day"])
    if "notes" in fields:
        item.notes = (fields["notes"] or "").strip()[:300]
    if "order" in fields:
        item.order = int(fields["order"])
    if "override_reason" in fields:
        item.override_reason = rules.require_stage_rule(
            stage=item.program.patient.stage, version=item.version, override_reason=fields["override_reason"]
        )
        item.override_by, item.override_at = (actor, timezone.now()) if item.override_reason else (None, None)
    item.save()
    audit_record(
        actor=actor, action="program.item_update", obj=item.program, extra={"item": item.pk, "changed": sorted(fields)}
    )
    return item


@transaction.atomic
def program_item_upgrade(*, actor: User, item: ProgramItem) -> ProgramItem:
    """Move an item to the library's current wording of its exercise."""
    _lock_editable(item.program)
    current = item.version.exercise.current
    if current is None or current.pk == item.version_id:
        return item
    rules.require_stage_rule(stage=item.program.patient.stage, version=current, override_reason=item.override_reason)
    old = item.version.number
    item.version = current
    item.save(update_fields=["version"])
    audit_record(
        actor=actor,
        action="program.item_upgrade",
        obj=item.program,
        extra={"item": item.pk, "from": old, "to": current.number},
    )
    return item


@transaction.atomic
def program_item_remove(*, actor: User, item: ProgramItem) -> None:
    program = _lock_editable(item.program)
    if item.logs.exists() and program.status == Program.Status.ACTIVE:
        raise DomainError(
            "The patient has already logged this exercise; change its dosage, or start a new program "
            "from this one without it.",
            code="has_logs",
        )
    audit_record(
        actor=actor,
        action="program.item_remove",
        obj=program,
        extra={"item": item.pk, "exercise": item.version.exercise_id},
    )
    item.delete()


@transaction.atomic
def program_activate(*, actor: User, program: Program) -> Program:
    """Give the program to the patient. An earlier active program of the patient is completed."""
    program = _lock_editable(program)
    if program.status == Program.Status.ACTIVE:
        return program
    items = list(program.items.select_related("version"))
    if not items:
        raise DomainError("Add at least one exercise before giving the program to the patient.")
    stage = program.patient.stage
    for item in items:
        rules.require_stage_rule(stage=stage, version=item.version, override_reason=item.override_reason)
    today = clinic_today(program.clinic)
    if program.end_date and program.end_date < today:
        raise DomainError("The program has already ended; change its dates first.", field="end_date")
    previous = Program.objects.select_for_update().filter(patient=program.patient, status=Program.Status.ACTIVE)
    for old in previous:
        old.status = Program.Status.COMPLETED
        old.ended_at = timezone.now()
        if old.end_date is None or old.end_date >= today:
            old.end_date = max(old.start_date, today - timedelta(days=1))
        old.save(update_fields=["status", "ended_at", "end_date"])
        audit_record(actor=actor, action="program.complete", obj=old, extra={"replaced_by": program.pk})
    program.status = Program.Status.ACTIVE
    program.activated_at = timezone.now()
    try:
        with transaction.atomic():
            program.save(update_fields=["status", "activated_at"])
    except IntegrityError:
        raise DomainError("The patient already has an active program.", code="conflict") from None
    audit_record(actor=actor, action="program.activate", obj=program, extra={"items": len(items)})
    return program


@transaction.atomic
def program_finish(*, actor: User, program: Program, discontinue: bool = False, reason: str = "") -> Program:
    program = _lock_editable(program)
    program.status = Program.Status.DISCONTINUED if discontinue else Program.Status.COMPLETED
    program.ended_at = timezone.now()
    today = clinic_today(program.clinic)
    if program.end_date is None or program.end_date > today:
        program.end_date = max(program.start_date, today)
    program.end_reason = reason.strip()[:300]
    program.save(update_fields=["status", "ended_at", "end_date", "end_reason"])
    audit_record(
        actor=actor,
        action="program.discontinue" if discontinue else "program.complete",
        obj=program,
        extra={"reason_given": bool(program.end_reason)},
    )
    return program


@transaction.atomic
def program_delete_draft(*, actor: User, program: Program) -> None:
    if program.status != Program.Status.DRAFT:
        raise DomainError("Only drafts can be deleted; complete or discontinue a program instead.")
    audit_record(actor=actor, action="program.delete", obj=program)
    program.delete()


@transaction.atomic
def template_from_program(*, actor: User, program: Program, name: str, description: str = "") -> ProgramTemplate:
    """A completed program becomes a template for other patients (no patient data is copied)."""
    _require_therapist(actor)
    program = Program.objects.select_related("clinic").get(pk=program.pk)
    if program.status != Program.Status.COMPLETED:
        raise DomainError("Only a completed program can become a template.", code="not_completed")
    name = (name or "").strip()
    if not name:
        raise DomainError("Name the template.", field="name")
    duration = ((program.end_date - program.start_date).days + 1) if program.end_date else 28
    template = ProgramTemplate.objects.create(
        clinic=program.clinic,
        name=name[:120],
        stage=program.stage_at_creation,
        description=description.strip(),
        rotation=program.rotation,
        duration_days=min(duration, 366),
        author=actor,
        source_program=program,
    )
    TemplateItem.objects.bulk_create(
        TemplateItem(
            template=template,
            exercise_id=item.version.exercise_id,
            order=item.order,
            every_day=item.every_day,
            **{k: getattr(item, k) for k in DOSE_FIELDS},
        )
        for item in program.items.select_related("version")
    )
    audit_record(actor=actor, action="program.save_as_template", obj=program, extra={"template": template.pk})
    return template


@transaction.atomic
def template_set_archived(*, actor: User, template: ProgramTemplate, archived: bool) -> ProgramTemplate:
    template.is_archived = archived
    template.save(update_fields=["is_archived"])
    audit_record(
        actor=actor,
        action="template.archive" if archived else "template.restore",
        object_type="programtemplate",
        object_id=template.pk,
        clinic=template.clinic,
    )
    return template
