"""House-Brackmann facial nerve grading (House & Brackmann 1985).

The clinician chooses a grade I–VI against the descriptions below (our wording of the published
criteria). Optionally the measurement method gives points and a grade: on the affected side the
upward movement of the mid-brow and the lateral movement of the oral commissure each earn one point
per 0.25 cm (2.5 mm), at most four, and the total of 0–8 maps to a grade.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from patients.scales.base import Item, Option, clean_items

CODE = "house_brackmann"
TITLE = "House-Brackmann"
VERSION = "hb-1985.1"
MM_PER_POINT = 2.5
MAX_POINTS_PER_SITE = 4

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}


@dataclass(frozen=True)
class GradeDescription:
    grade: int
    name: str
    overall: str
    rest: str
    forehead: str
    eye: str
    mouth: str
    synkinesis: str

    @property
    def roman(self) -> str:
        return ROMAN[self.grade]


GRADES: tuple[GradeDescription, ...] = (
    GradeDescription(
        1,
        "Normal",
        "Facial function is normal in every area.",
        "Symmetric, normal tone.",
        "Normal movement.",
        "Normal closure.",
        "Normal movement.",
        "None.",
    ),
    GradeDescription(
        2,
        "Slight dysfunction",
        "Weakness is only seen when looking closely.",
        "Symmetric, normal tone.",
        "Moderate to good movement.",
        "Closes fully with minimal effort.",
        "Slight asymmetry.",
        "Very slight at most.",
    ),
    GradeDescription(
        3,
        "Moderate dysfunction",
        "An obvious difference between the sides that is not disfiguring.",
        "Symmetric, normal tone.",
        "Slight to moderate movement.",
        "Closes fully, but only with effort.",
        "Slightly weak with maximal effort.",
        "Noticeable but not severe synkinesis, contracture or hemifacial spasm.",
    ),
    GradeDescription(
        4,
        "Moderately severe dysfunction",
        "Obvious weakness or asymmetry that disfigures.",
        "Symmetric, normal tone.",
        "No movement.",
        "Does not close fully.",
        "Asymmetric with maximal effort.",
        "Often severe enough to interfere with function.",
    ),
    GradeDescription(
        5,
        "Severe dysfunction",
        "Movement is barely perceptible.",
        "Asymmetric.",
        "No movement.",
        "Does not close fully.",
        "Slight movement only.",
        "Usually absent.",
    ),
    GradeDescription(
        6,
        "Total paralysis",
        "No movement at all.",
        "Asymmetric, loss of tone.",
        "No movement.",
        "No closure.",
        "No movement.",
        "None.",
    ),
)
GRADE_BY_NUMBER = {g.grade: g for g in GRADES}

ITEMS: tuple[Item, ...] = (
    Item(
        code="grade",
        label="Grade",
        kind="choice",
        group="grade",
        options=tuple(Option(g.grade, f"{g.roman} · {g.name}", points=g.grade, help=g.overall) for g in GRADES),
        better="lower",
    ),
    Item(
        code="brow_rise_mm",
        label="Mid-brow rise, affected side",
        kind="number",
        group="measurement",
        minimum=0,
        maximum=40,
        step=0.5,
        unit="mm",
        help="Upward movement of the middle of the brow from rest to full brow raise.",
    ),
    Item(
        code="commissure_excursion_mm",
        label="Oral commissure excursion, affected side",
        kind="number",
        group="measurement",
        minimum=0,
        maximum=40,
        step=0.5,
        unit="mm",
        help="Lateral movement of the mouth corner from rest to full smile.",
    ),
)
ITEMS_BY_CODE = {item.code: item for item in ITEMS}

# The scores this scale produces, for comparisons and charts.
SCORES = (
    {"key": "grade", "label": "House-Brackmann grade", "better": "lower", "minimum": 1, "maximum": 6},
    {"key": "measured_points", "label": "Measurement points", "better": "higher", "minimum": 0, "maximum": 8},
)
PROVISIONAL: tuple[str, ...] = ()


@dataclass(frozen=True)
class Measurement:
    brow_points: int
    commissure_points: int

    @property
    def points(self) -> int:
        return self.brow_points + self.commissure_points

    @property
    def grade(self) -> int:
        return grade_from_points(self.points)


def points_for_movement(mm: float) -> int:
    """One point per full 0.25 cm of movement, at most four. Negative movement counts as none."""
    if mm is None or not math.isfinite(mm):
        raise ValueError("movement must be a finite number of millimetres")
    if mm <= 0:
        return 0
    # The small epsilon keeps exact multiples (7.5 mm = 3 points) from falling a point short.
    return min(MAX_POINTS_PER_SITE, math.floor(mm / MM_PER_POINT + 1e-9))


def grade_from_points(points: int) -> int:
    """Total points 0–8 → grade 1–6: 8 → I, 7 → II, 5–6 → III, 3–4 → IV, 1–2 → V, 0 → VI."""
    if isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= 8:
        raise ValueError("House-Brackmann points run from 0 to 8")
    if points == 8:
        return 1
    if points == 7:
        return 2
    if points >= 5:
        return 3
    if points >= 3:
        return 4
    if points >= 1:
        return 5
    return 6


def grade_by_measurement(brow_rise_mm: float, commissure_excursion_mm: float) -> Measurement:
    """Points and grade from the two movements of the affected side, in millimetres.

    >>> m = grade_by_measurement(10, 7.5); (m.brow_points, m.commissure_points, m.points, m.grade)
    (4, 3, 7, 2)
    """
    return Measurement(points_for_movement(brow_rise_mm), points_for_movement(commissure_excursion_mm))


def validate(answers: Mapping[str, Any]) -> dict:
    return clean_items(ITEMS_BY_CODE, answers)


def score(items: Mapping[str, Any]) -> dict:
    grade = items.get("grade")
    brow = items.get("brow_rise_mm")
    commissure = items.get("commissure_excursion_mm")
    measurement = None
    if brow is not None and commissure is not None:
        measurement = grade_by_measurement(float(brow), float(commissure))
    final = grade if grade is not None else (measurement.grade if measurement else None)
    missing = [] if final is not None else ["grade"]
    if (brow is None) != (commissure is None):
        missing.append("commissure_excursion_mm" if commissure is None else "brow_rise_mm")
    description = GRADE_BY_NUMBER.get(final) if final is not None else None
    return {
        "version": VERSION,
        "complete": not missing,
        "missing": missing,
        "grade": final,
        "grade_roman": description.roman if description else None,
        "grade_name": description.name if description else None,
        "grade_source": ("clinician" if grade is not None else "measurement") if final is not None else None,
        "measured_brow_points": measurement.brow_points if measurement else None,
        "measured_commissure_points": measurement.commissure_points if measurement else None,
        "measured_points": measurement.points if measurement else None,
        "measured_grade": measurement.grade if measurement else None,
        "measured_grade_roman": ROMAN[measurement.grade] if measurement else None,
        "agrees_with_measurement": (grade == measurement.grade) if (measurement and grade is not None) else None,
        "provisional": list(PROVISIONAL),
        "formulas": {
            "measured_points": "1 point per 2.5 mm of mid-brow rise and of commissure excursion, at most 4 each",
            "measured_grade": "8 → I, 7 → II, 5–6 → III, 3–4 → IV, 1–2 → V, 0 → VI",
        },
    }


def definition() -> dict:
    return {
        "code": CODE,
        "title": TITLE,
        "version": VERSION,
        "items": [item.as_dict() for item in ITEMS],
        "scores": list(SCORES),
        "grades": [
            {
                "grade": g.grade,
                "roman": g.roman,
                "name": g.name,
                "overall": g.overall,
                "rest": g.rest,
                "forehead": g.forehead,
                "eye": g.eye,
                "mouth": g.mouth,
                "synkinesis": g.synkinesis,
            }
            for g in GRADES
        ],
    }
