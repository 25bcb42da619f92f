"""Small builders for home-program tests (real services, no shortcuts around the rules)."""

from __future__ import annotations

from datetime import date, timedelta

from sessions.models import Exercise, ProgramTemplate
from sessions.programs import services
from sessions.programs.dates import clinic_today


def exercise(clinic, key: str) -> Exercise:
    return Exercise.objects.get(clinic=clinic, key=key)


def stage_template(clinic, stage: int) -> ProgramTemplate:
    return ProgramTemplate.objects.get(clinic=clinic, stage=stage, key__startswith=f"stage-{stage}-")


def active_program(therapist, patient, keys: list[str], *, start: date | None = None, rotation=None, **dose):
    """A program with the given exercises, given to the patient (started ``start`` or today)."""
    start = start or clinic_today(patient.clinic)
    program = services.program_create(
        actor=therapist, patient=patient, start_date=start, end_date=start + timedelta(days=60)
    )
    for key in keys:
        services.program_item_add(actor=therapist, program=program, exercise=exercise(patient.clinic, key), **dose)
    if rotation is not None:
        services.program_update(actor=therapist, program=program, rotation=rotation)
    services.program_activate(actor=therapist, program=program)
    program.refresh_from_db()
    return program
