"""eFACE: static items reward balance (100 − |100 − raw|), sub-scores are group means, total and zones
are provisional."""

from __future__ import annotations

import pytest

from patients.scales import ScaleError, eface

SHARED_CODES = {
    "brow_rest",
    "palpebral_fissure_rest",
    "nasolabial_fold_rest",
    "oral_commissure_rest",
    "brow_elevation",
    "gentle_eye_closure",
    "full_eye_closure",
    "oral_commissure_smile",
    "nasolabial_fold_depth_smile",
    "nasolabial_fold_orientation_smile",
    "lower_lip_eee",
    "ocular_synkinesis",
    "midfacial_synkinesis",
    "mentalis_synkinesis",
    "platysmal_synkinesis",
}


def test_the_item_codes_are_the_ones_other_areas_rely_on():
    assert set(eface.ITEMS_BY_CODE) == SHARED_CODES


def test_a_normal_face_scores_one_hundred_everywhere():
    scores = eface.score({code: 100 for code in SHARED_CODES})
    for key in ("static", "dynamic", "synkinesis", "total", "periocular", "midface_smile", "lower_face_neck"):
        assert scores[key] == 100


def flaccid() -> dict:
    items = {"brow_rest": 60, "palpebral_fissure_rest": 70, "nasolabial_fold_rest": 40, "oral_commissure_rest": 65}
    items.update({code: 0 for code in eface.DYNAMIC_CODES})
    items.update({code: 100 for code in eface.SYNKINESIS_CODES})
    return items


def test_complete_flaccid_paralysis():
    scores = eface.score(flaccid())
    assert scores["static"] == 58.8  # (60 + 70 + 40 + 65) / 4
    assert scores["dynamic"] == 0
    assert scores["synkinesis"] == 100
    assert scores["total"] == 42.3  # (235 + 0 + 400) / 15
    assert scores["periocular"] == 38.3  # (60 + 70 + 0 + 0 + 0 + 100) / 6
    assert scores["complete"] is True


@pytest.mark.parametrize(("raw", "item_score"), [(100, 100), (70, 70), (130, 70), (0, 0), (200, 0), (155, 45)])
def test_static_items_count_distance_from_balance_either_way(raw, item_score):
    assert eface.item_score("palpebral_fissure_rest", raw) == item_score


def test_dynamic_and_synkinesis_items_are_their_raw_value():
    assert eface.item_score("brow_elevation", 35) == 35
    assert eface.item_score("ocular_synkinesis", 20) == 20


def test_static_anchors_run_in_the_published_directions():
    anchors = {item.code: item.anchors for item in eface.ITEMS}
    assert anchors["brow_rest"]["low"].startswith("Lower") and anchors["brow_rest"]["high"].startswith("Higher")
    assert (
        anchors["palpebral_fissure_rest"]["low"] == "Wider" and anchors["palpebral_fissure_rest"]["high"] == "Narrower"
    )
    assert (
        anchors["oral_commissure_rest"]["low"] == "Drooped" and anchors["oral_commissure_rest"]["high"] == "Pulled up"
    )
    assert anchors["ocular_synkinesis"]["low"].startswith("Severe") and anchors["ocular_synkinesis"]["high"] == "None"
    ranges = {item.code: (item.minimum, item.maximum) for item in eface.ITEMS}
    assert all(ranges[c] == (0, 200) for c in eface.STATIC_CODES)
    assert all(ranges[c] == (0, 100) for c in eface.DYNAMIC_CODES + eface.SYNKINESIS_CODES)


def test_total_and_zones_are_flagged_provisional_with_their_formula():
    scores = eface.score({code: 100 for code in SHARED_CODES})
    assert set(scores["provisional"]) == {"total", "periocular", "midface_smile", "lower_face_neck"}
    assert scores["formulas"]["total"].startswith("provisional")
    assert "static" not in scores["provisional"]


def test_a_group_with_a_missing_item_has_no_subscore():
    items = flaccid()
    del items["lower_lip_eee"]
    scores = eface.score(items)
    assert scores["dynamic"] is None and scores["total"] is None
    assert scores["static"] == 58.8
    assert scores["missing"] == ["lower_lip_eee"]


@pytest.mark.parametrize(
    "answers",
    [
        {"brow_rest": 201},
        {"brow_rest": -1},
        {"gentle_eye_closure": 101},
        {"ocular_synkinesis": -0.5},
        {"lower_lip_eee": "lots"},
        {"lower_lip_eee": float("inf")},
        {"cheek_puff": 50},
    ],
)
def test_out_of_range_sliders_are_refused(answers):
    with pytest.raises(ScaleError) as raised:
        eface.validate(answers)
    assert set(raised.value.errors) == set(answers)


def test_suggested_values_may_be_decimals():
    assert eface.validate({"brow_rest": 87.34, "brow_elevation": "50"}) == {"brow_rest": 87.34, "brow_elevation": 50}
