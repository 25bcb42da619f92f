"""Scale items suggested from the photo measures (CLINICAL.md section 5, after Auto-eFACE).

Pure functions of the measures of each view and the healthy side the therapist declared (the
opposite of the patient's affected side; never guessed). A suggestion carries its formula with the
numbers used, so the therapist sees why; nothing becomes part of the evaluation until accepted.
The version string is stored with every run so stored suggestions can be re-derived if a formula
changes. Item codes, labels and ranges are the scales' own (patients.scales).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from patients.scales import eface, get_scale
from patients.scales.house_brackmann import grade_by_measurement
from signal_core.face.geometry import CLOSED_FISSURE_MM

METHOD_VERSION = "retrain-auto-eface-1"

STATIC_ITEMS = {code for code, item in eface.ITEMS_BY_CODE.items() if item.maximum == 200}


def item_label(scale: str, item: str) -> str:
    """The scale's own label of an item (patients.scales)."""
    definition = get_scale(scale).ITEMS_BY_CODE.get(item)
    return definition.label if definition else item


NOT_FROM_LANDMARKS = (
    "Nasolabial fold items, the oral commissure at rest and the midfacial, mentalis and platysmal "
    "synkinesis items are not measured from landmarks: score them yourself."
)
# Movements smaller than this on the healthy side leave a ratio meaningless.
MIN_HEALTHY_MOVEMENT_MM = 1.0
MIN_HEALTHY_DENTAL_SHOW_MM2 = 5.0


@dataclass(frozen=True)
class Suggestion:
    scale: str  # "eface" or "house_brackmann"
    item: str
    value: float
    basis: str


def _clamp(value: float, low: float, high: float) -> float:
    return float(min(max(value, low), high))


def _get(measures: dict, view: str, side: str, name: str) -> float | None:
    value = measures.get(view, {}).get(side, {}).get(name)
    return None if value is None or not math.isfinite(value) else float(value)


def suggest(measures: dict[str, dict], healthy_side: str | None) -> tuple[list[Suggestion], list[str]]:
    """Suggestions and notes from ``measures`` keyed by view ("rest", "brow_elevation", ...), each
    {"right": {...}, "left": {...}} in mm as produced by signal_core.face.pipeline.measure_set."""
    notes: list[str] = []
    if healthy_side not in ("left", "right"):
        notes.append(
            "Bilateral palsy: there is no healthy side to compare with, so no items are suggested; the "
            "measures are shown for each side."
        )
        return [], notes
    affected = "left" if healthy_side == "right" else "right"
    out: list[Suggestion] = []
    a, h = affected, healthy_side

    def add(item: str, value: float, basis: str, scale: str = "eface") -> None:
        low, high = (0.0, 200.0) if item in STATIC_ITEMS else (0.0, 100.0)
        out.append(Suggestion(scale, item, round(_clamp(value, low, high), 1), basis))

    brow_a, brow_h = _get(measures, "rest", a, "brow_height"), _get(measures, "rest", h, "brow_height")
    if brow_a is not None and brow_h and brow_h > 0:
        add(
            "brow_rest",
            brow_a / brow_h * 100,
            f"affected ({a}) brow height {brow_a:.1f} mm ÷ healthy {brow_h:.1f} mm × 100",
        )

    fis_a, fis_h = _get(measures, "rest", a, "palpebral_fissure"), _get(measures, "rest", h, "palpebral_fissure")
    if fis_a and fis_h is not None and fis_a > 0:
        add(
            "palpebral_fissure_rest",
            fis_h / fis_a * 100,
            f"healthy ({h}) fissure {fis_h:.1f} mm ÷ affected {fis_a:.1f} mm × 100",
        )

    rise = {}
    for side in (a, h):
        up, rest = _get(measures, "brow_elevation", side, "brow_height"), _get(measures, "rest", side, "brow_height")
        rise[side] = None if up is None or rest is None else up - rest
    if rise[a] is not None and rise[h] is not None:
        if rise[h] >= MIN_HEALTHY_MOVEMENT_MM:
            add(
                "brow_elevation",
                rise[a] / rise[h] * 100,
                f"affected brow rise {rise[a]:.1f} mm ÷ healthy rise {rise[h]:.1f} mm × 100",
            )
        else:
            notes.append(f"Brow elevation: the healthy brow rose only {rise[h]:.1f} mm, too little to compare with.")

    for item, view in (("gentle_eye_closure", "gentle_eye_closure"), ("full_eye_closure", "tight_eye_closure")):
        closed = _get(measures, view, a, "palpebral_fissure")
        if closed is not None and fis_a and fis_a > 0:
            shown = 0.0 if closed < CLOSED_FISSURE_MM else closed
            add(
                item,
                (fis_a - shown) / fis_a * 100,
                f"(affected fissure at rest {fis_a:.1f} mm − closing {shown:.1f} mm) ÷ {fis_a:.1f} mm × 100"
                + (" (under 1 mm counts as closed)" if shown == 0.0 and closed > 0 else ""),
            )

    gain = {}
    for side in (a, h):
        smile = _get(measures, "large_smile", side, "commissure_excursion")
        rest = _get(measures, "rest", side, "commissure_excursion")
        gain[side] = None if smile is None or rest is None else smile - rest
    if gain[a] is not None and gain[h] is not None:
        if gain[h] >= MIN_HEALTHY_MOVEMENT_MM:
            add(
                "oral_commissure_smile",
                gain[a] / gain[h] * 100,
                f"affected commissure excursion gain {gain[a]:.1f} mm ÷ healthy gain {gain[h]:.1f} mm × 100",
            )
        else:
            notes.append(f"Smile: the healthy mouth corner moved only {gain[h]:.1f} mm, too little to compare with.")

    show_a, show_h = _get(measures, "lower_lip", a, "dental_show"), _get(measures, "lower_lip", h, "dental_show")
    if show_a is not None and show_h is not None:
        if show_h >= MIN_HEALTHY_DENTAL_SHOW_MM2:
            add(
                "lower_lip_eee",
                show_a / show_h * 100,
                f"affected dental show {show_a:.0f} mm² ÷ healthy {show_h:.0f} mm² × 100 (“EEE”)",
            )
        else:
            notes.append("Lower lip (“EEE”): almost no teeth show on the healthy side, too little to compare with.")

    ratios = []
    for view in ("large_smile", "pucker"):
        narrowed = _get(measures, view, a, "palpebral_fissure")
        if narrowed is not None and fis_a and fis_a > 0:
            ratios.append((narrowed / fis_a, view, narrowed))
    if ratios:
        ratio, view, narrowed = min(ratios)
        label = "large smile" if view == "large_smile" else "pucker"
        add(
            "ocular_synkinesis",
            ratio * 100,
            f"affected fissure in {label} {narrowed:.1f} mm ÷ at rest {fis_a:.1f} mm × 100 "
            "(lowest of smile and pucker)",
        )

    if rise[a] is not None and gain[a] is not None:
        # House-Brackmann by measurement (patients.scales.house_brackmann): the two movements are the
        # scale's items; the scale turns them into points and a measured grade.
        measured = grade_by_measurement(max(rise[a], 0.0), max(gain[a], 0.0))
        summary = f"{measured.points}/8 points → measured grade {measured.grade}"
        out.append(
            Suggestion(
                "house_brackmann",
                "brow_rise_mm",
                round(max(rise[a], 0.0), 1),
                f"affected brow from rest to raised: {rise[a]:.1f} mm → {measured.brow_points} pt ({summary})",
            )
        )
        out.append(
            Suggestion(
                "house_brackmann",
                "commissure_excursion_mm",
                round(max(gain[a], 0.0), 1),
                f"affected mouth corner from rest to big smile: {gain[a]:.1f} mm → {measured.commissure_points} pt "
                f"({summary})",
            )
        )
    notes.append(NOT_FROM_LANDMARKS)
    return out, notes
