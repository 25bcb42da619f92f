"""Sensation and related findings: trigeminal sensation, taste, hearing, eye, pain and tightness."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from patients.scales.base import Item, Option, clean_items

CODE = "sensation"
TITLE = "Sensation and symptoms"
VERSION = "sensation-1"

_TOUCH = (
    Option("normal", "Normal"),
    Option("reduced", "Reduced"),
    Option("absent", "Absent"),
    Option("heightened", "Heightened"),
)
_YES_NO = (Option("no", "No"), Option("yes", "Yes"))
_SEVERITY = (Option("none", "None"), Option("mild", "Mild"), Option("moderate", "Moderate"), Option("severe", "Severe"))

ITEMS: tuple[Item, ...] = (
    Item("touch_forehead", "Light touch, forehead (V1)", "choice", group="Sensation", options=_TOUCH, better="none"),
    Item("touch_cheek", "Light touch, cheek (V2)", "choice", group="Sensation", options=_TOUCH, better="none"),
    Item("touch_jaw", "Light touch, jaw (V3)", "choice", group="Sensation", options=_TOUCH, better="none"),
    Item(
        "taste",
        "Taste, front of the tongue",
        "choice",
        group="Sensation",
        options=(Option("normal", "Normal"), Option("altered", "Altered"), Option("absent", "Absent")),
        better="none",
    ),
    Item("hyperacusis", "Sounds too loud on the affected side", "choice", group="Ear", options=_YES_NO, better="none"),
    Item("eye_dryness", "Dry or gritty eye", "choice", group="Eye", options=_SEVERITY, better="lower"),
    Item("tearing_with_eating", "Tearing while eating", "choice", group="Eye", options=_YES_NO, better="none"),
    Item(
        "lagophthalmos_mm",
        "Gap on gentle eye closure",
        "number",
        group="Eye",
        minimum=0,
        maximum=15,
        step=0.5,
        unit="mm",
        better="lower",
    ),
    Item("pain", "Facial pain (0–10)", "integer", group="Comfort", minimum=0, maximum=10, better="lower"),
    Item("tightness", "Facial tightness (0–10)", "integer", group="Comfort", minimum=0, maximum=10, better="lower"),
)
ITEMS_BY_CODE = {item.code: item for item in ITEMS}
SCORES = (
    {"key": "tightness", "label": "Tightness (0–10)", "better": "lower", "minimum": 0, "maximum": 10},
    {"key": "pain", "label": "Pain (0–10)", "better": "lower", "minimum": 0, "maximum": 10},
)
PROVISIONAL: tuple[str, ...] = ()


def validate(answers: Mapping[str, Any]) -> dict:
    return clean_items(ITEMS_BY_CODE, answers)


def score(items: Mapping[str, Any]) -> dict:
    recorded = [code for code in ITEMS_BY_CODE if items.get(code) is not None]
    flags = []
    if items.get("lagophthalmos_mm") not in (None, 0):
        flags.append("Incomplete eye closure: protect the eye.")
    if items.get("eye_dryness") in ("moderate", "severe"):
        flags.append("Dry eye: review eye care.")
    if items.get("tightness") is not None and items["tightness"] >= 6:
        flags.append("Marked tightness: favour release work.")
    return {
        "version": VERSION,
        "complete": bool(recorded),
        "missing": [],
        "recorded_count": len(recorded),
        "tightness": items.get("tightness"),
        "pain": items.get("pain"),
        "flags": flags,
        "provisional": [],
        "formulas": {},
    }


def definition() -> dict:
    return {
        "code": CODE,
        "title": TITLE,
        "version": VERSION,
        "items": [item.as_dict() for item in ITEMS],
        "scores": list(SCORES),
    }
