"""The only way views and the API fetch exercises, programs, items and practice data for a user.

Built on patients.access: a therapist reaches programs of their clinic's patients, a patient only
their own active or past programs (never drafts). Out of reach = 404, and the refusal is audited.
Editing a program is for its author, or any therapist of the clinic once the author shares it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from clinic.audit import audit_record
from clinic.models import AuditEvent, User
from patients.access import deny, patients_visible_to
from sessions.models import (
    Exercise,
    ExerciseMedia,
    Program,
    ProgramItem,
    ProgramTemplate,
    ReleaseDay,
)

PATIENT_VISIBLE = (Program.Status.ACTIVE, Program.Status.COMPLETED, Program.Status.DISCONTINUED)


def _pk(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def programs_visible_to(user: User):
    programs = Program.objects.filter(patient__in=patients_visible_to(user))
    if user.is_authenticated and user.is_patient:
        programs = programs.filter(status__in=PATIENT_VISIBLE)
    return programs


def can_edit_program(user: User, program: Program) -> bool:
    if not user.is_therapist or user.clinic_id != program.clinic_id:
        return False
    return program.author_id == user.pk or program.shared


def access_program(user: User, program_id, *, action: str = "program.view", audit_read: bool = True) -> Program:
    program = programs_visible_to(user).select_related("patient", "clinic", "author").filter(pk=_pk(program_id)).first()
    if program is None:
        raise deny(user, action=action, object_type="program", object_id=str(program_id)[:64])
    if audit_read:
        audit_record(actor=user, action=action, obj=program)
    return program


def access_program_for_edit(user: User, program_id, *, action: str = "program.edit") -> Program:
    """A program the user may change; a visible program of someone else is refused with 403 (audited)."""
    program = access_program(user, program_id, action=action, audit_read=False)
    if not can_edit_program(user, program):
        audit_record(actor=user, action=action, obj=program, outcome=AuditEvent.Outcome.DENIED)
        raise PermissionDenied("Only the author of this program can change it, unless they share it.")
    return program


def access_item(user: User, item_id, *, action: str = "program.item_view", for_edit: bool = False) -> ProgramItem:
    item = (
        ProgramItem.objects.select_related("version", "program__patient", "program__clinic")
        .filter(pk=_pk(item_id), program__in=programs_visible_to(user))
        .first()
    )
    if item is None:
        raise deny(user, action=action, object_type="programitem", object_id=str(item_id)[:64])
    if for_edit and not can_edit_program(user, item.program):
        audit_record(actor=user, action=action, obj=item.program, outcome=AuditEvent.Outcome.DENIED)
        raise PermissionDenied("Only the author of this program can change it, unless they share it.")
    return item


def access_practice_item(user: User, item_id) -> ProgramItem:
    """An item of the patient's own active program (what the portal's practice page shows and logs)."""
    item = (
        ProgramItem.objects.select_related("version", "program__patient", "program__clinic")
        .filter(
            pk=_pk(item_id),
            program__status=Program.Status.ACTIVE,
            program__patient__in=patients_visible_to(user),
            program__patient__user=user,
        )
        .first()
        if user.is_authenticated and user.is_patient
        else None
    )
    if item is None:
        raise deny(user, action="practice.view", object_type="programitem", object_id=str(item_id)[:64])
    return item


def exercises_visible_to(user: User):
    if user.is_authenticated and user.is_therapist:
        return Exercise.objects.filter(clinic_id=user.clinic_id)
    return Exercise.objects.none()


def access_exercise(user: User, exercise_id, *, action: str = "exercise.view") -> Exercise:
    exercise = exercises_visible_to(user).select_related("current").filter(pk=_pk(exercise_id)).first()
    if exercise is None:
        raise deny(user, action=action, object_type="exercise", object_id=str(exercise_id)[:64])
    return exercise


def access_media(user: User, media_id) -> ExerciseMedia:
    """Therapists: any media of their clinic's library. Patients: media of exercises in their own programs."""
    media = ExerciseMedia.objects.select_related("exercise").filter(pk=_pk(media_id)).first()
    allowed = False
    if media is not None and user.is_authenticated:
        if user.is_therapist:
            allowed = media.exercise.clinic_id == user.clinic_id
        elif user.is_patient:
            allowed = ProgramItem.objects.filter(
                version__exercise_id=media.exercise_id, program__in=programs_visible_to(user)
            ).exists()
    if not allowed:
        raise deny(user, action="exercise.media_view", object_type="exercisemedia", object_id=str(media_id)[:64])
    return media


def access_template(user: User, template_id) -> ProgramTemplate:
    template = (
        ProgramTemplate.objects.filter(pk=_pk(template_id), clinic_id=user.clinic_id).first()
        if user.is_authenticated and user.is_therapist
        else None
    )
    if template is None:
        raise deny(user, action="template.view", object_type="programtemplate", object_id=str(template_id)[:64])
    return template


def access_release_day(user: User, release_day_id) -> ReleaseDay:
    release_day = (
        ReleaseDay.objects.select_related("patient", "program")
        .filter(pk=_pk(release_day_id), patient__in=patients_visible_to(user))
        .first()
        if user.is_authenticated and user.is_therapist
        else None
    )
    if release_day is None:
        raise deny(user, action="release_day.view", object_type="releaseday", object_id=str(release_day_id)[:64])
    return release_day
