"""Give a clinic the starter exercise library and stage templates (idempotent, never a migration).

Called for every new clinic (post_save signal), by the demo seeder, and by
``manage.py seed_exercise_library``. Exercises the clinic archived or edited stay as they are:
an exercise is matched by its starter key and never re-created or overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from clinic.models import Clinic
from sessions.models import Exercise, ExerciseVersion, ProgramTemplate, TemplateItem
from sessions.programs.library import STARTER_EXERCISES, STARTER_TEMPLATES


@dataclass
class SeedResult:
    exercises_created: int
    templates_created: int


@transaction.atomic
def library_seed_starter(*, clinic: Clinic) -> SeedResult:
    existing = dict(Exercise.objects.filter(clinic=clinic).exclude(key="").values_list("key", "pk"))
    new_specs = [spec for spec in STARTER_EXERCISES if spec["key"] not in existing]
    if new_specs:
        exercises = Exercise.objects.bulk_create(Exercise(clinic=clinic, key=spec["key"]) for spec in new_specs)
        versions = ExerciseVersion.objects.bulk_create(
            ExerciseVersion(
                exercise=exercise,
                number=1,
                change_note="Starter library",
                **{k: v for k, v in spec.items() if k != "key"},
            )
            for exercise, spec in zip(exercises, new_specs, strict=True)
        )
        for exercise, version in zip(exercises, versions, strict=True):
            exercise.current = version
        Exercise.objects.bulk_update(exercises, ["current"])
        existing.update({e.key: e.pk for e in exercises})
    have_templates = set(ProgramTemplate.objects.filter(clinic=clinic).exclude(key="").values_list("key", flat=True))
    created_templates = 0
    for spec in STARTER_TEMPLATES:
        if spec["key"] in have_templates:
            continue
        template = ProgramTemplate.objects.create(
            clinic=clinic,
            key=spec["key"],
            name=spec["name"],
            stage=spec["stage"],
            description=spec["description"],
            rotation=spec["rotation"],
        )
        TemplateItem.objects.bulk_create(
            TemplateItem(template=template, exercise_id=existing[key], order=order, **overrides)
            for order, (key, overrides) in enumerate(spec["items"], start=1)
            if key in existing
        )
        created_templates += 1
    return SeedResult(exercises_created=len(new_specs), templates_created=created_templates)


def seed_new_clinic(sender, instance: Clinic, created: bool, raw: bool = False, **kwargs) -> None:
    """post_save receiver: a new clinic starts with the starter set."""
    if created and not raw:
        library_seed_starter(clinic=instance)
