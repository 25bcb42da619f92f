"""House-Brackmann: the grade with its descriptions, and the measurement method (points → grade)."""

from __future__ import annotations

import pytest

from patients.scales import ScaleError, house_brackmann


@pytest.mark.parametrize(
    ("mm", "points"),
    [(0, 0), (2.4, 0), (2.5, 1), (4.99, 1), (5, 2), (7.4, 2), (7.5, 3), (10, 4), (12.5, 4), (30, 4), (-3, 0)],
)
def test_each_full_quarter_centimetre_earns_a_point_up_to_four(mm, points):
    assert house_brackmann.points_for_movement(mm) == points


@pytest.mark.parametrize(("points", "grade"), [(8, 1), (7, 2), (6, 3), (5, 3), (4, 4), (3, 4), (2, 5), (1, 5), (0, 6)])
def test_points_map_to_the_published_grades(points, grade):
    assert house_brackmann.grade_from_points(points) == grade


@pytest.mark.parametrize("points", [-1, 9, 2.5, True, None])
def test_points_outside_zero_to_eight_are_refused(points):
    with pytest.raises(ValueError):
        house_brackmann.grade_from_points(points)


def test_a_normal_face_measures_eight_points_and_grade_one():
    measurement = house_brackmann.grade_by_measurement(11, 10.2)
    assert (measurement.brow_points, measurement.commissure_points, measurement.points, measurement.grade) == (
        4,
        4,
        8,
        1,
    )


def test_complete_paralysis_measures_zero_points_and_grade_six():
    measurement = house_brackmann.grade_by_measurement(0, 0)
    assert (measurement.points, measurement.grade) == (0, 6)


def test_worked_example_of_a_moderate_palsy():
    # Brow rises 6 mm (2 points), the commissure moves 8 mm (3 points): 5 points → grade III.
    scores = house_brackmann.score({"brow_rise_mm": 6, "commissure_excursion_mm": 8})
    assert scores["measured_points"] == 5
    assert scores["measured_grade_roman"] == "III"
    assert scores["grade"] == 3 and scores["grade_source"] == "measurement"
    assert scores["complete"] is True


def test_the_clinicians_grade_wins_and_disagreement_is_flagged():
    scores = house_brackmann.score({"grade": 4, "brow_rise_mm": 10, "commissure_excursion_mm": 10})
    assert scores["grade"] == 4 and scores["grade_source"] == "clinician"
    assert scores["measured_grade"] == 1
    assert scores["agrees_with_measurement"] is False


def test_one_measurement_alone_leaves_the_method_unfinished():
    scores = house_brackmann.score({"grade": 2, "brow_rise_mm": 7})
    assert scores["measured_points"] is None
    assert "commissure_excursion_mm" in scores["missing"]


def test_every_grade_carries_its_descriptions():
    definition = house_brackmann.definition()
    assert [g["roman"] for g in definition["grades"]] == ["I", "II", "III", "IV", "V", "VI"]
    for grade in definition["grades"]:
        for part in ("overall", "rest", "forehead", "eye", "mouth", "synkinesis"):
            assert grade[part]


@pytest.mark.parametrize(
    "answers",
    [
        {"grade": 7},
        {"grade": 0},
        {"grade": "III"},
        {"grade": True},
        {"brow_rise_mm": -1},
        {"brow_rise_mm": "abc"},
        {"commissure_excursion_mm": 41},
        {"commissure_excursion_mm": float("nan")},
        {"eyebrow": 3},
    ],
)
def test_out_of_range_or_unknown_answers_are_refused(answers):
    with pytest.raises(ScaleError) as raised:
        house_brackmann.validate(answers)
    assert set(raised.value.errors) == set(answers)


def test_answers_from_a_form_are_converted():
    assert house_brackmann.validate({"grade": "3", "brow_rise_mm": "7,5", "commissure_excursion_mm": ""}) == {
        "grade": 3,
        "brow_rise_mm": 7.5,
        "commissure_excursion_mm": None,
    }
