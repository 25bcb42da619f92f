"""An evaluation is a draft until signed; after that every change is an amendment with who, when, why."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from clinic.errors import DomainError
from clinic.models import AuditEvent
from patients.evaluations import services
from patients.evaluations.services import ScaleItemsInvalid, content_digest
from patients.models import EvaluationAmendment, EvaluationScale
from tests.patients.conftest import eface_answers, sunnybrook_answers


def test_items_are_stored_item_by_item_with_their_scores_and_version(therapist_a, draft_evaluation):
    entry = services.evaluation_set_scale_items(
        actor=therapist_a, evaluation=draft_evaluation, scale="sunnybrook", items=sunnybrook_answers(4, 1)
    )
    entry.refresh_from_db()
    assert entry.items["voluntary_snarl"] == 4 and entry.items["rest_eye"] == "normal"
    assert entry.scores["composite"] == 75  # 80 − 0 − 5
    assert entry.scoring_version == "sb-1996.1" == entry.scores["version"]
    event = AuditEvent.objects.get(action="evaluation.scale_update")
    assert event.patient_id == draft_evaluation.patient_id and event.extra["scale"] == "sunnybrook"


def test_new_items_merge_into_what_is_stored_and_none_clears(therapist_a, draft_evaluation):
    services.evaluation_set_scale_items(
        actor=therapist_a, evaluation=draft_evaluation, scale="eface", items={"brow_rest": 80, "brow_elevation": 40}
    )
    entry = services.evaluation_set_scale_items(
        actor=therapist_a,
        evaluation=draft_evaluation,
        scale="eface",
        items={"brow_elevation": None, "lower_lip_eee": 55},
    )
    assert entry.items == {"brow_rest": 80, "lower_lip_eee": 55}
    assert entry.scores["item_scores"]["brow_rest"] == 80


def test_out_of_range_items_are_refused_and_nothing_is_stored(therapist_a, draft_evaluation):
    with pytest.raises(ScaleItemsInvalid) as raised:
        services.evaluation_set_scale_items(
            actor=therapist_a,
            evaluation=draft_evaluation,
            scale="eface",
            items={"brow_rest": 250, "gentle_eye_closure": 50, "ocular_synkinesis": -3},
        )
    assert set(raised.value.errors) == {"eface.brow_rest", "eface.ocular_synkinesis"}
    assert not EvaluationScale.objects.filter(evaluation=draft_evaluation).exists()


def test_the_source_of_each_item_is_kept(therapist_a, draft_evaluation):
    services.evaluation_set_scale_items(
        actor=therapist_a,
        evaluation=draft_evaluation,
        scale="eface",
        items={"brow_rest": 83.5, "oral_commissure_smile": 41},
        source="photo",
        source_ref="photoset:17",
    )
    entry = services.evaluation_set_scale_items(
        actor=therapist_a, evaluation=draft_evaluation, scale="eface", items={"oral_commissure_smile": 45}
    )
    assert entry.item_sources["brow_rest"]["source"] == "photo"
    assert entry.item_sources["brow_rest"]["ref"] == "photoset:17"
    assert entry.item_sources["oral_commissure_smile"]["source"] == "therapist"


def test_signing_locks_and_records_a_digest(therapist_a, draft_evaluation):
    services.evaluation_set_scale_items(
        actor=therapist_a, evaluation=draft_evaluation, scale="house_brackmann", items={"grade": 3}
    )
    evaluation = services.evaluation_complete(actor=therapist_a, evaluation=draft_evaluation)
    assert evaluation.is_locked and evaluation.completed_by == therapist_a
    assert evaluation.signed_digest == content_digest(evaluation)
    with pytest.raises(DomainError):
        services.evaluation_complete(actor=therapist_a, evaluation=evaluation)


def test_an_empty_evaluation_cannot_be_signed(therapist_a, draft_evaluation):
    with pytest.raises(DomainError) as raised:
        services.evaluation_complete(actor=therapist_a, evaluation=draft_evaluation)
    assert raised.value.code == "empty"


def test_a_half_filled_scale_blocks_signing(therapist_a, draft_evaluation):
    services.evaluation_set_scale_items(
        actor=therapist_a, evaluation=draft_evaluation, scale="house_brackmann", items={"grade": 2}
    )
    services.evaluation_set_scale_items(
        actor=therapist_a, evaluation=draft_evaluation, scale="sunnybrook", items={"rest_eye": "narrow"}
    )
    with pytest.raises(DomainError) as raised:
        services.evaluation_complete(actor=therapist_a, evaluation=draft_evaluation)
    assert raised.value.field == "sunnybrook" and "12 item(s) missing" in raised.value.message


def test_changing_a_signed_evaluation_needs_a_reason(therapist_a, draft_evaluation):
    services.evaluation_set_scale_items(
        actor=therapist_a, evaluation=draft_evaluation, scale="eface", items=eface_answers(90, 50, 80)
    )
    services.evaluation_complete(actor=therapist_a, evaluation=draft_evaluation)
    with pytest.raises(DomainError) as raised:
        services.evaluation_set_scale_items(
            actor=therapist_a, evaluation=draft_evaluation, scale="eface", items={"brow_elevation": 60}
        )
    assert raised.value.field == "reason"
    assert EvaluationScale.objects.get(evaluation=draft_evaluation, scale="eface").items["brow_elevation"] == 50


def test_an_amendment_keeps_before_and_after_and_who_and_why(therapist_a, therapist_a2, draft_evaluation):
    services.evaluation_set_scale_items(
        actor=therapist_a, evaluation=draft_evaluation, scale="eface", items=eface_answers(90, 50, 80)
    )
    signed = services.evaluation_complete(actor=therapist_a, evaluation=draft_evaluation)
    original_digest = signed.signed_digest
    entry = services.evaluation_set_scale_items(
        actor=therapist_a2,
        evaluation=signed,
        scale="eface",
        items={"brow_elevation": 70},
        reason="Re-graded from the video.",
    )
    amendment = EvaluationAmendment.objects.get(evaluation=signed)
    assert amendment.by == therapist_a2 and amendment.reason == "Re-graded from the video."
    assert amendment.changes == [{"item": "brow_elevation", "before": 50, "after": 70}]
    assert amendment.scores_before["dynamic"] == 50 and amendment.scores_after["dynamic"] == pytest.approx(52.9)
    assert entry.scores["dynamic"] == pytest.approx(52.9)
    signed.refresh_from_db()
    assert signed.amended_at is not None and signed.signed_digest == original_digest
    assert amendment.digest_after != original_digest
    assert AuditEvent.objects.filter(action="evaluation.amend", actor=therapist_a2).count() == 1


def test_notes_of_a_signed_evaluation_are_amended_too(therapist_a, draft_evaluation):
    services.evaluation_set_scale_items(
        actor=therapist_a, evaluation=draft_evaluation, scale="house_brackmann", items={"grade": 4}
    )
    services.evaluation_complete(actor=therapist_a, evaluation=draft_evaluation)
    with pytest.raises(DomainError):
        services.evaluation_update(actor=therapist_a, evaluation=draft_evaluation, notes="Better closure.")
    services.evaluation_update(
        actor=therapist_a, evaluation=draft_evaluation, notes="Better closure.", reason="Added later"
    )
    amendment = EvaluationAmendment.objects.get(evaluation=draft_evaluation)
    assert amendment.section == "notes" and amendment.changes[0]["after"] == "Better closure."


def test_an_unchanged_save_records_nothing(therapist_a, draft_evaluation):
    services.evaluation_set_scale_items(
        actor=therapist_a, evaluation=draft_evaluation, scale="house_brackmann", items={"grade": 4}
    )
    services.evaluation_complete(actor=therapist_a, evaluation=draft_evaluation)
    services.evaluation_set_scale_items(
        actor=therapist_a, evaluation=draft_evaluation, scale="house_brackmann", items={"grade": "4"}, reason="same"
    )
    assert not EvaluationAmendment.objects.exists()


def test_only_therapists_of_the_patients_clinic_record_evaluations(therapist_b, patient_a1, draft_evaluation):
    with pytest.raises(PermissionDenied):
        services.evaluation_create(actor=therapist_b, patient=patient_a1)
    with pytest.raises(PermissionDenied):
        services.evaluation_set_scale_items(
            actor=therapist_b, evaluation=draft_evaluation, scale="house_brackmann", items={"grade": 1}
        )
    with pytest.raises(PermissionDenied):
        services.evaluation_set_scale_items(
            actor=patient_a1.user, evaluation=draft_evaluation, scale="house_brackmann", items={"grade": 1}
        )


def test_a_signed_evaluation_cannot_be_deleted_but_a_draft_can(therapist_a, draft_evaluation, patient_a1):
    services.evaluation_set_scale_items(
        actor=therapist_a, evaluation=draft_evaluation, scale="house_brackmann", items={"grade": 4}
    )
    services.evaluation_complete(actor=therapist_a, evaluation=draft_evaluation)
    with pytest.raises(DomainError):
        services.evaluation_discard(actor=therapist_a, evaluation=draft_evaluation)
    other = services.evaluation_create(actor=therapist_a, patient=patient_a1)
    services.evaluation_discard(actor=therapist_a, evaluation=other)
    assert patient_a1.evaluations.count() == 1


def test_the_first_evaluation_is_initial_and_later_ones_are_follow_ups(therapist_a, patient_a1):
    first = services.evaluation_create(actor=therapist_a, patient=patient_a1)
    second = services.evaluation_create(actor=therapist_a, patient=patient_a1)
    assert (first.kind, second.kind) == ("initial", "follow_up")
