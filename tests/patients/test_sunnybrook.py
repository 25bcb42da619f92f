"""Sunnybrook: resting × 5, voluntary × 4, synkinesis, composite = voluntary − resting − synkinesis."""

from __future__ import annotations

import pytest

from patients.scales import ScaleError, sunnybrook

EXPRESSIONS = [code for code, _label, _m in sunnybrook.EXPRESSIONS]


def answers(rest=("normal", "normal", "normal"), voluntary=(5, 5, 5, 5, 5), synkinesis=(0, 0, 0, 0, 0)) -> dict:
    items = dict(zip(("rest_eye", "rest_cheek", "rest_mouth"), rest, strict=True))
    items.update({f"voluntary_{c}": v for c, v in zip(EXPRESSIONS, voluntary, strict=True)})
    items.update({f"synkinesis_{c}": v for c, v in zip(EXPRESSIONS, synkinesis, strict=True)})
    return items


def test_a_normal_face_scores_one_hundred():
    scores = sunnybrook.score(answers())
    assert (scores["resting"], scores["voluntary"], scores["synkinesis"], scores["composite"]) == (0, 100, 0, 100)
    assert scores["within_healthy_range"] is True


def test_complete_flaccid_paralysis_scores_zero():
    # Wide eye (1), absent fold (2), dropped corner (1): 4 × 5 = 20; no movement anywhere: 5 × 4 = 20.
    scores = sunnybrook.score(answers(rest=("wide", "absent", "corner_dropped"), voluntary=(1, 1, 1, 1, 1)))
    assert scores["resting_raw"] == 4 and scores["resting"] == 20
    assert scores["voluntary_raw"] == 5 and scores["voluntary"] == 20
    assert scores["composite"] == 0
    assert scores["within_healthy_range"] is False


def test_the_arithmetic_floor_is_minus_fifteen():
    scores = sunnybrook.score(
        answers(rest=("wide", "absent", "corner_dropped"), voluntary=(1,) * 5, synkinesis=(3,) * 5)
    )
    assert scores["composite"] == -15


def test_worked_example_with_synkinesis():
    scores = sunnybrook.score(
        answers(rest=("narrow", "absent", "corner_dropped"), voluntary=(3, 2, 4, 3, 2), synkinesis=(1, 2, 1, 0, 1))
    )
    assert scores["resting"] == 20  # (1 + 2 + 1) × 5
    assert scores["voluntary"] == 56  # 14 × 4
    assert scores["synkinesis"] == 5
    assert scores["composite"] == 31


def test_more_pronounced_fold_and_pulled_corner_count_one_point_each():
    scores = sunnybrook.score(answers(rest=("eyelid_surgery", "more_pronounced", "corner_pulled")))
    assert scores["resting_raw"] == 3 and scores["composite"] == 85


def test_partial_answers_give_the_finished_subscores_only():
    items = answers()
    partial = {k: v for k, v in items.items() if k.startswith("rest_")}
    scores = sunnybrook.score(partial)
    assert scores["resting"] == 0
    assert scores["voluntary"] is None and scores["composite"] is None
    assert scores["complete"] is False
    assert len(scores["missing"]) == 10


@pytest.mark.parametrize(
    "answers_",
    [
        {"voluntary_brow_lift": 6},
        {"voluntary_snarl": 0},
        {"synkinesis_lip_pucker": 4},
        {"synkinesis_lip_pucker": -1},
        {"rest_eye": "closed"},
        {"rest_cheek": 2},
        {"voluntary_snarl": True},
        {"voluntary_wink": 3},
    ],
)
def test_answers_outside_the_form_are_refused(answers_):
    with pytest.raises(ScaleError) as raised:
        sunnybrook.validate(answers_)
    assert set(raised.value.errors) == set(answers_)


def test_all_bad_answers_are_reported_together():
    with pytest.raises(ScaleError) as raised:
        sunnybrook.validate({"voluntary_brow_lift": 9, "synkinesis_snarl": 7, "rest_mouth": "normal"})
    assert set(raised.value.errors) == {"voluntary_brow_lift", "synkinesis_snarl"}


def test_stored_answers_carry_the_version_they_were_scored_with():
    assert sunnybrook.score(answers())["version"] == sunnybrook.VERSION
