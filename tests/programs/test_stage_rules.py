"""Stage 1 refuses movement exercises unless the therapist gives a reason (CLINICAL.md §1)."""

from __future__ import annotations

import pytest

from clinic.errors import DomainError
from clinic.models import AuditEvent
from patients import services as patient_services
from sessions.programs import services
from tests.programs.helpers import exercise, stage_template


@pytest.fixture
def stage1_program(therapist_a2, patient_a2):
    assert patient_a2.stage == 1
    return services.program_create(actor=therapist_a2, patient=patient_a2)


def test_a_movement_exercise_is_refused_at_stage_1_without_a_reason(stage1_program, therapist_a2, clinic_a):
    with pytest.raises(DomainError) as refused:
        services.program_item_add(
            actor=therapist_a2, program=stage1_program, exercise=exercise(clinic_a, "smile-happy-thought")
        )
    assert refused.value.field == "override_reason"
    assert "stage 1" in refused.value.message
    assert stage1_program.items.count() == 0


def test_a_short_reason_is_not_an_override(stage1_program, therapist_a2, clinic_a):
    with pytest.raises(DomainError):
        services.program_item_add(
            actor=therapist_a2,
            program=stage1_program,
            exercise=exercise(clinic_a, "brow-surprise"),
            override_reason="ok",
        )


def test_an_override_with_a_reason_is_kept_and_audited(stage1_program, therapist_a2, clinic_a):
    reason = "Flicker of frontalis seen on EMG today; gentle trial."
    item = services.program_item_add(
        actor=therapist_a2, program=stage1_program, exercise=exercise(clinic_a, "brow-surprise"), override_reason=reason
    )
    assert item.override_reason == reason and item.override_by == therapist_a2
    event = AuditEvent.objects.filter(action="program.item_add").latest("id")
    assert event.extra["stage_override"] is True and event.patient_id == stage1_program.patient_id


def test_non_movement_work_needs_no_override_at_stage_1(stage1_program, therapist_a2, clinic_a):
    for key in ("scalp-glide", "eye-protection", "imagined-brow-lift", "masseter-release"):
        services.program_item_add(actor=therapist_a2, program=stage1_program, exercise=exercise(clinic_a, key))
    assert stage1_program.items.count() == 4


def test_a_stage_2_template_used_for_a_stage_1_patient_leaves_movement_out(therapist_a2, patient_a2, clinic_a):
    program = services.program_create(actor=therapist_a2, patient=patient_a2, template=stage_template(clinic_a, 2))
    kinds = {item.version.kind for item in program.items.select_related("version")}
    assert "movement" not in kinds
    assert "Happy-thought smile" in program.skipped_for_stage


def test_activation_rechecks_the_rule_when_the_stage_went_back(therapist_a, patient_a1, clinic_a):
    program = services.program_create(actor=therapist_a, patient=patient_a1)
    services.program_item_add(actor=therapist_a, program=program, exercise=exercise(clinic_a, "smile-happy-thought"))
    patient_services.patient_update(actor=therapist_a, patient=patient_a1, stage=1)
    with pytest.raises(DomainError):
        services.program_activate(actor=therapist_a, program=program)


def test_the_api_answers_400_with_the_field(api_client, therapist_a2, stage1_program, clinic_a):
    api_client.force_authenticate(therapist_a2)
    smile = exercise(clinic_a, "smile-happy-thought")
    url = f"/api/v1/programs/{stage1_program.pk}/items/"
    refused = api_client.post(url, {"exercise_id": smile.pk}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["error"]["fields"]) == ["override_reason"]
    accepted = api_client.post(
        url, {"exercise_id": smile.pk, "override_reason": "Movement returned this week."}, format="json"
    )
    assert accepted.status_code == 201
    assert accepted.json()["override_reason"] == "Movement returned this week."


def test_a_patient_back_at_stage_1_sees_movement_paused_in_the_active_program(therapist_a, patient_a1, clinic_a):
    from sessions.programs.dates import clinic_today
    from sessions.programs.practice import day_plan
    from tests.programs.helpers import active_program

    program = active_program(therapist_a, patient_a1, ["smile-happy-thought", "scalp-glide"])
    patient_services.patient_update(actor=therapist_a, patient=patient_a1, stage=1)
    program.refresh_from_db()
    plan = day_plan(program, clinic_today(clinic_a))
    assert [e.item.version.exercise.key for e in plan.entries] == ["scalp-glide"]
    assert [i.version.exercise.key for i in plan.paused] == ["smile-happy-thought"]
