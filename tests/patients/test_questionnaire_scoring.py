"""SAQ, FaCE and FDI scoring on worked examples, the extremes, and refused answers."""

from __future__ import annotations

import pytest

from patients.scales import ScaleError
from patients.scales.questionnaires import FACE, FDI, SAQ, score, validate


def test_saq_best_and_worst():
    assert score("saq", {q.code: 1 for q in SAQ.questions})["score"] == 20
    assert score("saq", {q.code: 5 for q in SAQ.questions})["score"] == 100


def test_saq_worked_example():
    answers = dict(zip(SAQ.codes, [1, 2, 3, 4, 5, 1, 2, 3, 4], strict=True))
    result = score("saq", answers)
    assert result["sum"] == 25
    assert result["score"] == 55.6  # 25 / 45 × 100


def best_face() -> dict:
    # Movement questions list "moves normally" first, so the best answer is 1 there and 5 elsewhere.
    return {q.code: 1 if q.reverse else 5 for q in FACE.questions}


def test_face_has_fifteen_items_in_six_domains():
    assert len(FACE.questions) == 15
    counts = {d: sum(1 for q in FACE.questions if q.domain == d) for d in FACE.domains}
    assert counts == {"movement": 3, "comfort": 3, "oral": 2, "eye": 2, "lacrimal": 1, "social": 4}


def test_face_normal_function_scores_one_hundred_in_every_domain():
    result = score("face", best_face())
    assert all(result[d] == 100 for d in FACE.domains)
    assert result["total"] == 100


def test_face_worst_function_scores_zero():
    worst = {q.code: 5 if q.reverse else 1 for q in FACE.questions}
    result = score("face", worst)
    assert all(result[d] == 0 for d in FACE.domains)
    assert result["total"] == 0


def test_face_worked_example_reverse_codes_the_movement_items():
    answers = best_face()
    # Movement: stored 2, 3, 4 → coded 4, 3, 2: sum 9, n 3 → 100 × (9 − 3) / 12 = 50.
    answers.update({"face_1": 2, "face_2": 3, "face_3": 4})
    # Eye comfort (items 5 and 11): 3 and 4 → 100 × (7 − 2) / 8 = 62.5.
    answers.update({"face_5": 3, "face_11": 4})
    result = score("face", answers)
    assert result["movement"] == 50
    assert result["eye"] == 62.5
    assert result["social"] == 100
    # Total over 15 items: coded sum 75 − 6 (movement) − 3 (eye) = 66 → 100 × (66 − 15) / 60 = 85.
    assert result["total"] == 85


def fdi(physical, social) -> dict:
    return dict(zip(FDI.codes, list(physical) + list(social), strict=True))


def test_fdi_no_difficulty_and_calm_scores_one_hundred():
    # Item 6 (calm) "all of the time" is position 1; items 7–10 "none of the time" is position 6.
    result = score("fdi", fdi([5] * 5, [1, 6, 6, 6, 6]))
    assert result["physical"] == 100 and result["social"] == 100


def test_fdi_worst_scores_zero():
    result = score("fdi", fdi([1] * 5, [6, 1, 1, 1, 1]))
    assert result["physical"] == 0 and result["social"] == 0


def test_fdi_items_not_done_for_another_reason_leave_the_count():
    result = score("fdi", fdi([5, 4, 0, 0, 3], [2, 5, 4, 6, 3]))
    assert result["physical_items_counted"] == 3
    assert result["physical"] == 75  # (12 − 3) / 3 × 25
    # Social points: 7 − 2 = 5, then 5, 4, 6, 3: sum 23 → (23 − 5) × 4 = 72.
    assert result["social_sum"] == 23 and result["social"] == 72


def test_fdi_physical_is_undefined_when_nothing_counted():
    assert score("fdi", fdi([0] * 5, [1, 6, 6, 6, 6]))["physical"] is None


@pytest.mark.parametrize(
    ("instrument", "code", "value"),
    [
        ("saq", "saq_1", 0),
        ("saq", "saq_9", 6),
        ("face", "face_3", 6),
        ("face", "face_3", "often"),
        ("fdi", "fdi_1", 6),
        ("fdi", "fdi_6", 0),
        ("fdi", "fdi_10", 7),
        ("saq", "saq_2", True),
        ("saq", "saq_2", 2.5),
    ],
)
def test_answers_outside_the_response_list_are_refused(instrument, code, value):
    with pytest.raises(ScaleError) as raised:
        validate(instrument, {code: value}, require_all=False)
    assert code in raised.value.errors


def test_every_question_must_be_answered_before_scoring():
    answers = {q.code: 3 for q in SAQ.questions[:-1]}
    with pytest.raises(ScaleError) as raised:
        validate("saq", answers)
    assert list(raised.value.errors) == ["saq_9"]


def test_unknown_questions_and_instruments_are_refused():
    with pytest.raises(ScaleError):
        validate("saq", {"saq_10": 1}, require_all=False)
    with pytest.raises(ScaleError):
        validate("phq9", {})


def test_scores_carry_version_and_provisional_flags():
    result = score("face", best_face())
    assert result["version"] == FACE.version
    assert "total" in result["provisional"]
    assert score("saq", {q.code: 1 for q in SAQ.questions})["provisional"] == []


def test_item_texts_are_paraphrases_marked_as_such():
    for instrument in (SAQ, FACE, FDI):
        assert "paraphrase" in instrument.citation
        assert instrument.definition()["wording"] == "paraphrase"
