"""Fixtures of the patient-record tests: answers of a normal face and of a complete paralysis,
evaluations in each state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from patients.scales import eface, sunnybrook


def sunnybrook_answers(voluntary: int = 5, synkinesis: int = 0, rest: tuple = ("normal", "normal", "normal")) -> dict:
    items = dict(zip(("rest_eye", "rest_cheek", "rest_mouth"), rest, strict=True))
    for code, _label, _muscles in sunnybrook.EXPRESSIONS:
        items[f"voluntary_{code}"] = voluntary
        items[f"synkinesis_{code}"] = synkinesis
    return items


def eface_answers(static: int = 100, dynamic: int = 100, synkinesis: int = 100) -> dict:
    items = {code: static for code in eface.STATIC_CODES}
    items.update({code: dynamic for code in eface.DYNAMIC_CODES})
    items.update({code: synkinesis for code in eface.SYNKINESIS_CODES})
    return items


@pytest.fixture
def draft_evaluation(therapist_a, patient_a1):
    from patients.evaluations.services import evaluation_create

    return evaluation_create(
        actor=therapist_a, patient=patient_a1, performed_on=timezone.localdate() - timedelta(days=1)
    )


def make_signed(therapist, patient, *, days_ago: int, voluntary: int, synkinesis: int, dynamic: int, hb: int):
    from patients.evaluations import services

    evaluation = services.evaluation_create(
        actor=therapist, patient=patient, performed_on=timezone.localdate() - timedelta(days=days_ago)
    )
    services.evaluation_set_scale_items(
        actor=therapist, evaluation=evaluation, scale="house_brackmann", items={"grade": hb}
    )
    services.evaluation_set_scale_items(
        actor=therapist,
        evaluation=evaluation,
        scale="sunnybrook",
        items=sunnybrook_answers(voluntary, synkinesis, ("narrow", "less_pronounced", "corner_dropped")),
    )
    services.evaluation_set_scale_items(
        actor=therapist, evaluation=evaluation, scale="eface", items=eface_answers(80, dynamic, 100 - 20 * synkinesis)
    )
    return services.evaluation_complete(actor=therapist, evaluation=evaluation)


@pytest.fixture
def two_signed_evaluations(therapist_a, patient_a1):
    first = make_signed(therapist_a, patient_a1, days_ago=60, voluntary=2, synkinesis=0, dynamic=20, hb=5)
    second = make_signed(therapist_a, patient_a1, days_ago=10, voluntary=4, synkinesis=1, dynamic=70, hb=3)
    return first, second
