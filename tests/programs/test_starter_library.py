"""A new clinic starts with the starter library and stage templates; seeding is idempotent."""

from __future__ import annotations

from django.core.management import call_command

from clinic.models import Clinic
from sessions.models import Category, Exercise, ProgramTemplate
from sessions.programs import services
from sessions.programs.library import STARTER_EXERCISES, STARTER_TEMPLATES
from sessions.programs.seed import library_seed_starter


def test_a_new_clinic_gets_the_starter_library_and_stage_templates(db):
    clinic = Clinic.objects.create(name="New clinic", slug="new-clinic")
    exercises = Exercise.objects.filter(clinic=clinic).select_related("current")
    assert exercises.count() == len(STARTER_EXERCISES)
    assert {e.current.category for e in exercises} == set(Category.values)
    templates = ProgramTemplate.objects.filter(clinic=clinic)
    assert sorted(t.stage for t in templates) == [1, 2, 3, 4]
    assert all(t.items.count() >= 6 for t in templates)


def test_every_starter_exercise_is_complete_and_stage_safe(db):
    for spec in STARTER_EXERCISES:
        assert spec["steps"] and all(len(step) > 15 for step in spec["steps"]), spec["key"]
        assert spec["area"] and spec["kind"] and spec["stages"], spec["key"]
        if spec["kind"] == "movement":
            # No forced movement at stage 1, and each movement comes with its feeling.
            assert 1 not in spec["stages"], spec["key"]
            assert spec["emotional_cue"], spec["key"]
    keys = {spec["key"] for spec in STARTER_EXERCISES}
    stage_one = next(t for t in STARTER_TEMPLATES if t["stage"] == 1)
    by_key = {spec["key"]: spec for spec in STARTER_EXERCISES}
    assert all(by_key[k]["kind"] != "movement" for k, _ in stage_one["items"])
    assert all(k in keys for t in STARTER_TEMPLATES for k, _ in t["items"])


def test_the_pairing_of_emotion_and_movement_is_in_the_library(db, clinic_a):
    smile = Exercise.objects.get(clinic=clinic_a, key="smile-happy-thought").current
    brow = Exercise.objects.get(clinic=clinic_a, key="brow-surprise").current
    assert "happy" in smile.emotional_cue.lower()
    assert "surprise" in brow.emotional_cue.lower()


def test_seeding_again_keeps_the_clinics_own_edits_and_archives(db, clinic_a, therapist_a):
    smile = Exercise.objects.get(clinic=clinic_a, key="smile-happy-thought")
    services.exercise_update(actor=therapist_a, exercise=smile, reps=8)
    pucker = Exercise.objects.get(clinic=clinic_a, key="kiss-pucker")
    services.exercise_set_archived(actor=therapist_a, exercise=pucker, archived=True)
    result = library_seed_starter(clinic=clinic_a)
    assert result.exercises_created == 0 and result.templates_created == 0
    smile.refresh_from_db()
    pucker.refresh_from_db()
    assert smile.current.reps == 8 and smile.current.number == 2
    assert pucker.is_archived
    assert Exercise.objects.filter(clinic=clinic_a).count() == len(STARTER_EXERCISES)


def test_the_command_seeds_a_clinic_that_lost_exercises(db, clinic_a, capsys):
    Exercise.objects.filter(clinic=clinic_a, key="scalp-glide").delete()
    call_command("seed_exercise_library", "--clinic", clinic_a.slug)
    assert "1 exercises" in capsys.readouterr().out
    assert Exercise.objects.filter(clinic=clinic_a, key="scalp-glide").exists()
