"""Muscle-by-muscle review of the affected side: movement, tone and synkinetic involvement.

A descriptive finding rather than a validated scale; its summary counts help the therapist choose
where to work (weak muscles to activate, tight or synkinetic ones to release and inhibit).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from patients.scales.base import Item, Option, clean_items

CODE = "muscle_review"
TITLE = "Muscle review"
VERSION = "muscles-1"

MUSCLES: tuple[tuple[str, str, str], ...] = (
    # code, name, region
    ("frontalis", "Frontalis", "Forehead and brow"),
    ("corrugator", "Corrugator supercilii", "Forehead and brow"),
    ("orbicularis_oculi", "Orbicularis oculi", "Eye"),
    ("nasalis", "Nasalis", "Nose"),
    ("levator_labii_alaeque", "Levator labii superioris alaeque nasi", "Nose"),
    ("levator_labii", "Levator labii superioris", "Upper lip"),
    ("zygomaticus_major", "Zygomaticus major", "Smile"),
    ("zygomaticus_minor", "Zygomaticus minor", "Smile"),
    ("risorius", "Risorius", "Smile"),
    ("buccinator", "Buccinator", "Cheek"),
    ("orbicularis_oris", "Orbicularis oris", "Lips"),
    ("depressor_anguli_oris", "Depressor anguli oris", "Lower lip and chin"),
    ("depressor_labii_inferioris", "Depressor labii inferioris", "Lower lip and chin"),
    ("mentalis", "Mentalis", "Lower lip and chin"),
    ("platysma", "Platysma", "Neck"),
)
MUSCLE_NAMES = {code: name for code, name, _region in MUSCLES}

MOVEMENT_OPTIONS = (
    Option(0, "0 · No movement", 0),
    Option(1, "1 · Flicker", 1),
    Option(2, "2 · Partial range", 2),
    Option(3, "3 · Nearly full range", 3),
    Option(4, "4 · Full, like the other side", 4),
)
TONE_OPTIONS = (
    Option("low", "Low (flaccid)"),
    Option("normal", "Normal"),
    Option("high", "High (tight, shortened)"),
)
SYNKINESIS_OPTIONS = (
    Option("none", "None", 0),
    Option("mild", "Mild", 1),
    Option("moderate", "Moderate", 2),
    Option("severe", "Severe", 3),
)

ITEMS: tuple[Item, ...] = tuple(
    item
    for code, name, region in MUSCLES
    for item in (
        Item(f"{code}.movement", f"{name}: movement", "choice", group=region, options=MOVEMENT_OPTIONS),
        Item(f"{code}.tone", f"{name}: tone", "choice", group=region, options=TONE_OPTIONS, better="none"),
        Item(
            f"{code}.synkinesis",
            f"{name}: synkinesis",
            "choice",
            group=region,
            options=SYNKINESIS_OPTIONS,
            better="lower",
        ),
    )
)
ITEMS_BY_CODE = {item.code: item for item in ITEMS}
SCORES = (
    {
        "key": "weak_count",
        "label": "Muscles moving less than nearly full",
        "better": "lower",
        "minimum": 0,
        "maximum": 15,
    },
    {"key": "synkinetic_count", "label": "Muscles with synkinesis", "better": "lower", "minimum": 0, "maximum": 15},
)
PROVISIONAL: tuple[str, ...] = ()


def validate(answers: Mapping[str, Any]) -> dict:
    return clean_items(ITEMS_BY_CODE, answers)


def score(items: Mapping[str, Any]) -> dict:
    reviewed = sorted({code.split(".")[0] for code, value in items.items() if value is not None})
    weak = [m for m in reviewed if items.get(f"{m}.movement") is not None and items[f"{m}.movement"] <= 2]
    tight = [m for m in reviewed if items.get(f"{m}.tone") == "high"]
    synkinetic = [m for m in reviewed if items.get(f"{m}.synkinesis") not in (None, "none")]
    return {
        "version": VERSION,
        "complete": bool(reviewed),
        "missing": [],
        "reviewed": reviewed,
        "reviewed_count": len(reviewed),
        "weak": weak,
        "weak_count": len(weak) if reviewed else None,
        "high_tone": tight,
        "synkinetic": synkinetic,
        "synkinetic_count": len(synkinetic) if reviewed else None,
        "provisional": [],
        "formulas": {
            "weak_count": "muscles graded 0–2 for movement",
            "synkinetic_count": "muscles with any synkinesis",
        },
    }


def definition() -> dict:
    return {
        "code": CODE,
        "title": TITLE,
        "version": VERSION,
        "muscles": [{"code": c, "name": n, "region": r} for c, n, r in MUSCLES],
        "items": [item.as_dict() for item in ITEMS],
        "scores": list(SCORES),
    }
