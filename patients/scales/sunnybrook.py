"""Sunnybrook Facial Grading System (Ross et al. 1996).

Resting symmetry (affected compared with the normal side) of eye, cheek and mouth; voluntary
movement of five standard expressions (1–5); synkinesis with each of them (0–3).
Composite = voluntary score − resting score − synkinesis score, range −15…100.

The item points follow the published form as given in docs (CLINICAL.md section 3) and are to be
verified against the official form; they live in this module with ``VERSION`` so stored answers
(option codes, not points) can be rescored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from patients.scales.base import Item, Option, clean_items

CODE = "sunnybrook"
TITLE = "Sunnybrook"
VERSION = "sb-1996.1"
RESTING_WEIGHT = 5
VOLUNTARY_WEIGHT = 4

EXPRESSIONS: tuple[tuple[str, str, str], ...] = (
    # code, label, muscle shorthand printed on the form
    ("brow_lift", "Brow lift", "FRO"),
    ("gentle_eye_closure", "Gentle eye closure", "OCS"),
    ("open_mouth_smile", "Open-mouth smile", "ZYG/RIS"),
    ("snarl", "Snarl", "LLA/LLS"),
    ("lip_pucker", "Lip pucker", "OOS/OOI"),
)

VOLUNTARY_OPTIONS = (
    Option(1, "Unable to initiate movement", 1),
    Option(2, "Initiates slight movement", 2),
    Option(3, "Initiates movement with mild excursion", 3),
    Option(4, "Movement almost complete", 4),
    Option(5, "Movement complete", 5),
)
SYNKINESIS_OPTIONS = (
    Option(0, "None", 0, "No synkinesis or mass movement."),
    Option(1, "Mild", 1, "Slight co-movement of one or more muscles."),
    Option(2, "Moderate", 2, "Obvious but not disfiguring co-movement of one or more muscles."),
    Option(3, "Severe", 3, "Disfiguring gross mass movement of several muscles."),
)

RESTING_ITEMS: tuple[Item, ...] = (
    Item(
        code="rest_eye",
        label="Eye (palpebral fissure)",
        kind="choice",
        group="resting",
        better="lower",
        options=(
            Option("normal", "Normal", 0),
            Option("narrow", "Narrow", 1),
            Option("wide", "Wide", 1),
            Option("eyelid_surgery", "Eyelid surgery", 1),
        ),
    ),
    Item(
        code="rest_cheek",
        label="Cheek (nasolabial fold)",
        kind="choice",
        group="resting",
        better="lower",
        options=(
            Option("normal", "Normal", 0),
            Option("absent", "Absent", 2),
            Option("less_pronounced", "Less pronounced", 1),
            Option("more_pronounced", "More pronounced", 1),
        ),
    ),
    Item(
        code="rest_mouth",
        label="Mouth",
        kind="choice",
        group="resting",
        better="lower",
        options=(
            Option("normal", "Normal", 0),
            Option("corner_dropped", "Corner dropped", 1),
            Option("corner_pulled", "Corner pulled up or out", 1),
        ),
    ),
)
VOLUNTARY_ITEMS = tuple(
    Item(
        code=f"voluntary_{code}",
        label=label,
        kind="choice",
        group="voluntary",
        options=VOLUNTARY_OPTIONS,
        better="higher",
        help=muscles,
    )
    for code, label, muscles in EXPRESSIONS
)
SYNKINESIS_ITEMS = tuple(
    Item(
        code=f"synkinesis_{code}",
        label=label,
        kind="choice",
        group="synkinesis",
        options=SYNKINESIS_OPTIONS,
        better="lower",
        help=muscles,
    )
    for code, label, muscles in EXPRESSIONS
)
ITEMS: tuple[Item, ...] = RESTING_ITEMS + VOLUNTARY_ITEMS + SYNKINESIS_ITEMS
ITEMS_BY_CODE = {item.code: item for item in ITEMS}

SCORES = (
    {"key": "composite", "label": "Sunnybrook composite", "better": "higher", "minimum": -15, "maximum": 100},
    {"key": "voluntary", "label": "Voluntary movement score", "better": "higher", "minimum": 20, "maximum": 100},
    {"key": "resting", "label": "Resting symmetry score", "better": "lower", "minimum": 0, "maximum": 20},
    {"key": "synkinesis", "label": "Synkinesis score", "better": "lower", "minimum": 0, "maximum": 15},
)
# Item points are as documented but still to be checked against the official form.
PROVISIONAL: tuple[str, ...] = ()
HEALTHY_RANGE = (65, 100)


def validate(answers: Mapping[str, Any]) -> dict:
    return clean_items(ITEMS_BY_CODE, answers)


def _points(items: Mapping[str, Any], group: tuple[Item, ...]) -> tuple[float | None, list[str]]:
    missing = [item.code for item in group if items.get(item.code) is None]
    if missing:
        return None, missing
    total = 0.0
    for item in group:
        option = item.option(items[item.code])
        if option is None or option.points is None:
            raise ValueError(f"{item.code}: stored answer {items[item.code]!r} is not an option of {VERSION}")
        total += option.points
    return total, []


def score(items: Mapping[str, Any]) -> dict:
    resting_raw, missing_rest = _points(items, RESTING_ITEMS)
    voluntary_raw, missing_vol = _points(items, VOLUNTARY_ITEMS)
    synkinesis_raw, missing_syn = _points(items, SYNKINESIS_ITEMS)
    resting = int(resting_raw * RESTING_WEIGHT) if resting_raw is not None else None
    voluntary = int(voluntary_raw * VOLUNTARY_WEIGHT) if voluntary_raw is not None else None
    synkinesis = int(synkinesis_raw) if synkinesis_raw is not None else None
    composite = None
    if resting is not None and voluntary is not None and synkinesis is not None:
        composite = voluntary - resting - synkinesis
    missing = missing_rest + missing_vol + missing_syn
    return {
        "version": VERSION,
        "complete": not missing,
        "missing": missing,
        "resting_raw": int(resting_raw) if resting_raw is not None else None,
        "resting": resting,
        "voluntary_raw": int(voluntary_raw) if voluntary_raw is not None else None,
        "voluntary": voluntary,
        "synkinesis": synkinesis,
        "composite": composite,
        "within_healthy_range": (HEALTHY_RANGE[0] <= composite <= HEALTHY_RANGE[1]) if composite is not None else None,
        "provisional": list(PROVISIONAL),
        "formulas": {
            "resting": f"(eye + cheek + mouth points) × {RESTING_WEIGHT}, 0–20",
            "voluntary": f"sum of the five expressions (1–5 each) × {VOLUNTARY_WEIGHT}, 20–100",
            "synkinesis": "sum of the five expressions (0–3 each), 0–15",
            "composite": "voluntary − resting − synkinesis, −15…100; healthy faces score 65–100",
        },
    }


def definition() -> dict:
    return {
        "code": CODE,
        "title": TITLE,
        "version": VERSION,
        "items": [item.as_dict() for item in ITEMS],
        "scores": list(SCORES),
        "expressions": [{"code": c, "label": label, "muscles": m} for c, label, m in EXPRESSIONS],
        "healthy_range": list(HEALTHY_RANGE),
        "note": "Item points as documented; to be verified against the official Sunnybrook form.",
    }
