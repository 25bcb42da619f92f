"""eFACE, the clinician-graded electronic facial function scale (Banks, Hadlock et al. 2015).

Fifteen visual-analogue items, each on a slider with its own anchors:
- static items are bidirectional, raw 0–200 with 100 = balanced; item score = 100 − |100 − raw|;
- dynamic items run 0 (no movement) … 100 (equal to the normal side);
- synkinesis items run 0 (severe) … 100 (none).
Sub-scores are the mean item score of each group. The total and the zone scores are still to be
verified against the publication: until then they are flagged provisional and carry their formula.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from patients.scales.base import Item, clean_items, mean, rounded

CODE = "eface"
TITLE = "eFACE"
VERSION = "eface-2015.provisional-1"

STATIC_CODES = ("brow_rest", "palpebral_fissure_rest", "nasolabial_fold_rest", "oral_commissure_rest")
DYNAMIC_CODES = (
    "brow_elevation",
    "gentle_eye_closure",
    "full_eye_closure",
    "oral_commissure_smile",
    "nasolabial_fold_depth_smile",
    "nasolabial_fold_orientation_smile",
    "lower_lip_eee",
)
SYNKINESIS_CODES = ("ocular_synkinesis", "midfacial_synkinesis", "mentalis_synkinesis", "platysmal_synkinesis")

_DYNAMIC_ANCHORS = {"low": "No movement", "high": "Equal to the normal side"}
_SYNKINESIS_ANCHORS = {"low": "Severe, disfiguring", "high": "None"}


def _static(code: str, label: str, low: str, high: str, help_text: str) -> Item:
    return Item(
        code=code,
        label=label,
        kind="number",
        group="static",
        minimum=0,
        maximum=200,
        better="centre",
        help=help_text,
        anchors={"low": low, "centre": "Balanced", "high": high},
    )


def _dynamic(code: str, label: str, help_text: str, anchors: dict | None = None) -> Item:
    return Item(
        code=code,
        label=label,
        kind="number",
        group="dynamic",
        minimum=0,
        maximum=100,
        better="higher",
        help=help_text,
        anchors=anchors or _DYNAMIC_ANCHORS,
    )


def _synkinesis(code: str, label: str, help_text: str) -> Item:
    return Item(
        code=code,
        label=label,
        kind="number",
        group="synkinesis",
        minimum=0,
        maximum=100,
        better="higher",
        help=help_text,
        anchors=_SYNKINESIS_ANCHORS,
    )


ITEMS: tuple[Item, ...] = (
    _static("brow_rest", "Brow at rest", "Lower (ptotic)", "Higher (elevated)", "Height of the affected brow."),
    _static(
        "palpebral_fissure_rest",
        "Palpebral fissure at rest",
        "Wider",
        "Narrower",
        "Opening of the affected eye compared with the normal eye.",
    ),
    _static(
        "nasolabial_fold_rest",
        "Nasolabial fold depth at rest",
        "Shallower or absent",
        "Deeper",
        "Depth of the affected fold compared with the normal fold.",
    ),
    _static(
        "oral_commissure_rest",
        "Oral commissure at rest",
        "Drooped",
        "Pulled up",
        "Position of the affected mouth corner.",
    ),
    _dynamic("brow_elevation", "Brow elevation", "Rise of the affected brow when raising the eyebrows."),
    _dynamic(
        "gentle_eye_closure",
        "Gentle eye closure",
        "Closure of the affected eye as in light sleep.",
        {"low": "No closure", "high": "Complete, like the normal side"},
    ),
    _dynamic(
        "full_eye_closure",
        "Full eye closure",
        "Closure of the affected eye when squeezing the eyes shut.",
        {"low": "No closure", "high": "Complete, like the normal side"},
    ),
    _dynamic(
        "oral_commissure_smile",
        "Oral commissure movement with smile",
        "Excursion of the affected mouth corner in a full smile.",
    ),
    _dynamic(
        "nasolabial_fold_depth_smile",
        "Nasolabial fold depth with smile",
        "How much the affected fold deepens in a smile.",
    ),
    _dynamic(
        "nasolabial_fold_orientation_smile",
        "Nasolabial fold orientation with smile",
        "Angle of the affected fold in a smile compared with the normal side.",
        {"low": "No fold or flat orientation", "high": "Same orientation as the normal side"},
    ),
    _dynamic(
        "lower_lip_eee",
        "Lower lip movement (“EEE”)",
        "Lowering of the affected lower lip when saying “EEE”.",
    ),
    _synkinesis("ocular_synkinesis", "Ocular synkinesis", "Eye narrowing when the mouth moves."),
    _synkinesis("midfacial_synkinesis", "Midfacial synkinesis", "Midface and fold moving with eye closure."),
    _synkinesis("mentalis_synkinesis", "Mentalis synkinesis", "Chin dimpling or tightening with other movements."),
    _synkinesis("platysmal_synkinesis", "Platysmal synkinesis", "Neck bands tightening with smile or eye closure."),
)
ITEMS_BY_CODE = {item.code: item for item in ITEMS}

ZONES: dict[str, tuple[str, tuple[str, ...]]] = {
    "periocular": (
        "Periocular",
        ("brow_rest", "palpebral_fissure_rest", "brow_elevation", "gentle_eye_closure", "full_eye_closure")
        + ("ocular_synkinesis",),
    ),
    "midface_smile": (
        "Midface and smile",
        (
            "nasolabial_fold_rest",
            "oral_commissure_rest",
            "oral_commissure_smile",
            "nasolabial_fold_depth_smile",
            "nasolabial_fold_orientation_smile",
            "midfacial_synkinesis",
        ),
    ),
    "lower_face_neck": ("Lower face and neck", ("lower_lip_eee", "mentalis_synkinesis", "platysmal_synkinesis")),
}

SCORES = (
    {"key": "total", "label": "eFACE total", "better": "higher", "minimum": 0, "maximum": 100},
    {"key": "static", "label": "eFACE static", "better": "higher", "minimum": 0, "maximum": 100},
    {"key": "dynamic", "label": "eFACE dynamic", "better": "higher", "minimum": 0, "maximum": 100},
    {"key": "synkinesis", "label": "eFACE synkinesis", "better": "higher", "minimum": 0, "maximum": 100},
    {"key": "periocular", "label": "eFACE periocular zone", "better": "higher", "minimum": 0, "maximum": 100},
    {"key": "midface_smile", "label": "eFACE midface and smile zone", "better": "higher", "minimum": 0, "maximum": 100},
    {
        "key": "lower_face_neck",
        "label": "eFACE lower face and neck zone",
        "better": "higher",
        "minimum": 0,
        "maximum": 100,
    },
)
# Formulas still to be verified against the publication (shown as provisional in every view).
PROVISIONAL = ("total", "periocular", "midface_smile", "lower_face_neck")


def item_score(code: str, raw: float) -> float:
    """The 0–100 score of one item: static items reward balance, the others are their raw value."""
    if code in STATIC_CODES:
        return 100 - abs(100 - raw)
    return raw


def validate(answers: Mapping[str, Any]) -> dict:
    return clean_items(ITEMS_BY_CODE, answers)


def _group_mean(item_scores: Mapping[str, float], codes: tuple[str, ...]) -> float | None:
    if any(code not in item_scores for code in codes):
        return None
    return rounded(mean([item_scores[code] for code in codes]))


def score(items: Mapping[str, Any]) -> dict:
    item_scores = {
        code: rounded(item_score(code, float(items[code])), 2) for code in ITEMS_BY_CODE if items.get(code) is not None
    }
    missing = [code for code in ITEMS_BY_CODE if code not in item_scores]
    result = {
        "version": VERSION,
        "complete": not missing,
        "missing": missing,
        "item_scores": item_scores,
        "static": _group_mean(item_scores, STATIC_CODES),
        "dynamic": _group_mean(item_scores, DYNAMIC_CODES),
        "synkinesis": _group_mean(item_scores, SYNKINESIS_CODES),
        "total": _group_mean(item_scores, tuple(ITEMS_BY_CODE)),
    }
    for key, (_label, codes) in ZONES.items():
        result[key] = _group_mean(item_scores, codes)
    result["provisional"] = list(PROVISIONAL)
    result["formulas"] = {
        "item": "static items: 100 − |100 − raw|; dynamic and synkinesis items: raw",
        "static": "mean of the 4 static item scores",
        "dynamic": "mean of the 7 dynamic item scores",
        "synkinesis": "mean of the 4 synkinesis item scores (100 = no synkinesis)",
        "total": "provisional: mean of all 15 item scores",
        **{
            key: f"provisional: mean of {len(codes)} item scores ({', '.join(codes)})"
            for key, (_label, codes) in ZONES.items()
        },
    }
    return result


def definition() -> dict:
    return {
        "code": CODE,
        "title": TITLE,
        "version": VERSION,
        "items": [item.as_dict() for item in ITEMS],
        "scores": list(SCORES),
        "zones": {key: {"label": label, "items": list(codes)} for key, (label, codes) in ZONES.items()},
        "provisional": list(PROVISIONAL),
        "note": "Total and zone scores are provisional until their formulas are verified against the publication.",
    }
