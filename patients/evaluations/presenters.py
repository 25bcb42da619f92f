"""Shape stored answers and scores for the templates: fields of the forms, readable summaries, diffs."""

from __future__ import annotations

from typing import Any

from patients.scales import GRADING_SCALES, SCALES, eface, house_brackmann, muscle_review, sensation, sunnybrook
from patients.scales.base import Item

SECTION_ORDER = ("house_brackmann", "sunnybrook", "eface", "muscle_review", "sensation")
GROUP_LABELS = {
    "grade": "Grade",
    "measurement": "Measurement method",
    "resting": "Resting symmetry",
    "voluntary": "Voluntary movement",
    "synkinesis": "Synkinesis",
    "static": "Static (at rest)",
    "dynamic": "Dynamic (movement)",
}
SOURCE_LABELS = {
    "therapist": "",
    "photo": "from photos",
    "video": "from video",
    "emg": "from EMG",
    "import": "imported",
}


def field_name(scale: str, code: str) -> str:
    return f"{scale}-{code}"


def _display(item: Item, value: Any) -> str:
    if value is None:
        return "—"
    if item.kind == "choice":
        option = item.option(value)
        return option.label if option else str(value)
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return f"{text} {item.unit}".strip()


def field_ctx(scale: str, item: Item, value: Any, error: str = "", source: dict | None = None) -> dict:
    raw = "" if value is None else str(value)
    return {
        "code": item.code,
        "name": field_name(scale, item.code),
        "id": f"id_{scale}-{item.code}".replace(".", "_"),
        "label": item.label,
        "kind": item.kind,
        "group": item.group,
        "group_label": GROUP_LABELS.get(item.group, item.group),
        "value": raw,
        "display": _display(item, value),
        "error": error,
        "help": item.help,
        "unit": item.unit,
        "min": item.minimum,
        "max": item.maximum,
        "step": item.step,
        "anchors": dict(item.anchors),
        "better": item.better,
        "source": SOURCE_LABELS.get((source or {}).get("source", "therapist"), (source or {}).get("source", "")),
        "options": [
            {
                "value": option.value,
                "label": option.label,
                "points": option.points,
                "help": option.help,
                "checked": raw != "" and str(option.value) == raw,
                "id": f"id_{scale}-{item.code}-{option.value}".replace(".", "_"),
            }
            for option in item.options
        ],
    }


def section_ctx(
    scale: str,
    items: dict | None,
    scores: dict | None,
    errors: dict[str, str] | None = None,
    sources: dict | None = None,
) -> dict:
    """Everything a template needs to draw one scale as a form or as a summary."""
    module = SCALES[scale]
    items = items or {}
    errors = errors or {}
    sources = sources or {}
    fields = {
        item.code: field_ctx(scale, item, items.get(item.code), errors.get(item.code, ""), sources.get(item.code))
        for item in module.ITEMS
    }
    scores = scores or (module.score(items) if items else {})
    ctx: dict[str, Any] = {
        "code": scale,
        "title": module.TITLE,
        "version": module.VERSION,
        "fields": fields,
        "scores": scores,
        "started": bool(items),
        "grading": scale in GRADING_SCALES,
        "complete": bool(scores.get("complete")),
        "provisional": list(getattr(module, "PROVISIONAL", ())),
        "errors": errors,
        "answered": [fields[code] for code in fields if items.get(code) is not None],
    }
    if scale == "house_brackmann":
        ctx["grades"] = [
            {"description": g, "option": fields["grade"]["options"][index]}
            for index, g in enumerate(house_brackmann.GRADES)
        ]
        ctx["measurement"] = [fields["brow_rise_mm"], fields["commissure_excursion_mm"]]
    elif scale == "sunnybrook":
        ctx["resting"] = [fields[item.code] for item in sunnybrook.RESTING_ITEMS]
        ctx["expressions"] = [
            {
                "label": label,
                "muscles": muscles,
                "voluntary": fields[f"voluntary_{code}"],
                "synkinesis": fields[f"synkinesis_{code}"],
            }
            for code, label, muscles in sunnybrook.EXPRESSIONS
        ]
        ctx["voluntary_options"] = sunnybrook.VOLUNTARY_OPTIONS
        ctx["synkinesis_options"] = sunnybrook.SYNKINESIS_OPTIONS
    elif scale == "eface":
        item_scores = scores.get("item_scores", {})
        for code, field in fields.items():
            field["item_score"] = item_scores.get(code)
        ctx["groups"] = [
            {"key": "static", "label": "Static (at rest)", "fields": [fields[c] for c in eface.STATIC_CODES]},
            {"key": "dynamic", "label": "Dynamic (movement)", "fields": [fields[c] for c in eface.DYNAMIC_CODES]},
            {"key": "synkinesis", "label": "Synkinesis", "fields": [fields[c] for c in eface.SYNKINESIS_CODES]},
        ]
        ctx["zones"] = [{"key": key, "label": label} for key, (label, _codes) in eface.ZONES.items()]
    elif scale == "muscle_review":
        rows = []
        region = None
        for code, name, muscle_region in muscle_review.MUSCLES:
            rows.append(
                {
                    "code": code,
                    "name": name,
                    "region": muscle_region if muscle_region != region else "",
                    "movement": fields[f"{code}.movement"],
                    "tone": fields[f"{code}.tone"],
                    "synkinesis": fields[f"{code}.synkinesis"],
                }
            )
            region = muscle_region
        ctx["rows"] = rows
        ctx["names"] = muscle_review.MUSCLE_NAMES
    elif scale == "sensation":
        groups: dict[str, list] = {}
        for item in sensation.ITEMS:
            groups.setdefault(item.group, []).append(fields[item.code])
        ctx["groups"] = [{"label": label, "fields": group} for label, group in groups.items()]
    return ctx


def evaluation_sections(evaluation, errors_by_scale: dict | None = None, posted: dict | None = None) -> dict[str, dict]:
    """All sections of one evaluation; ``posted`` (scale → items) overrides stored answers after a failed save."""
    errors_by_scale = errors_by_scale or {}
    posted = posted or {}
    stored = {entry.scale: entry for entry in evaluation.scales.all()}
    sections = {}
    for scale in SECTION_ORDER:
        entry = stored.get(scale)
        if scale in posted:
            items = {k: v for k, v in posted[scale].items() if v not in (None, "")}
            scores = None
            try:
                cleaned = SCALES[scale].validate(items)
                scores = SCALES[scale].score({k: v for k, v in cleaned.items() if v is not None}) if cleaned else {}
            except ValueError:
                scores = {}
        else:
            items = entry.items if entry else {}
            scores = entry.scores if entry else {}
        sections[scale] = section_ctx(
            scale, items, scores, errors_by_scale.get(scale), entry.item_sources if entry else {}
        )
    return sections


def headline_scores(evaluation) -> dict[str, Any]:
    """The three numbers a therapist looks for first: HB grade, Sunnybrook composite, eFACE total."""
    result: dict[str, Any] = {"hb": None, "hb_roman": None, "sb": None, "eface": None, "eface_provisional": True}
    for entry in evaluation.scales.all():
        if entry.scale == "house_brackmann":
            result["hb"] = entry.scores.get("grade")
            result["hb_roman"] = entry.scores.get("grade_roman")
        elif entry.scale == "sunnybrook":
            result["sb"] = entry.scores.get("composite")
        elif entry.scale == "eface":
            result["eface"] = entry.scores.get("total")
    return result


# --- Comparison of two evaluations -------------------------------------------------------------------


def _direction(better: str, a: float | None, b: float | None) -> str:
    """How the later value ``b`` compares with ``a``: improved, worse, changed or same."""
    if a == b:
        return "same"
    if a is None or b is None or better in ("none", ""):
        return "changed"
    if better == "higher":
        return "improved" if b > a else "worse"
    if better == "lower":
        return "improved" if b < a else "worse"
    if better == "centre":
        return "improved" if abs(100 - b) < abs(100 - a) else ("worse" if abs(100 - b) > abs(100 - a) else "changed")
    return "changed"


def _comparable(scale: str, item: Item, value: Any, scores: dict) -> float | None:
    """A number to compare for an item: points of a choice, or the value itself."""
    if value is None:
        return None
    if item.kind == "choice":
        option = item.option(value)
        return option.points if option and option.points is not None else None
    return float(value)


def compare(first, second) -> list[dict]:
    """Scale by scale: every score and every item of two evaluations, with what changed and which way.

    ``first`` is the earlier evaluation; directions say whether ``second`` is better or worse.
    """
    result = []
    stored_a = {e.scale: e for e in first.scales.all()}
    stored_b = {e.scale: e for e in second.scales.all()}
    for scale in SECTION_ORDER:
        a, b = stored_a.get(scale), stored_b.get(scale)
        if a is None and b is None:
            continue
        module = SCALES[scale]
        items_a, items_b = (a.items if a else {}), (b.items if b else {})
        scores_a, scores_b = (a.scores if a else {}), (b.scores if b else {})
        score_rows = []
        for definition in module.SCORES:
            key = definition["key"]
            va, vb = scores_a.get(key), scores_b.get(key)
            if va is None and vb is None:
                continue
            delta = (vb - va) if isinstance(va, int | float) and isinstance(vb, int | float) else None
            score_rows.append(
                {
                    "label": definition["label"],
                    "a": va,
                    "b": vb,
                    "delta": round(delta, 1) if isinstance(delta, float) else delta,
                    "direction": _direction(definition["better"], va, vb),
                    "provisional": key in getattr(module, "PROVISIONAL", ()),
                }
            )
        item_rows = []
        for item in module.ITEMS:
            va, vb = items_a.get(item.code), items_b.get(item.code)
            if va is None and vb is None:
                continue
            ca, cb = _comparable(scale, item, va, scores_a), _comparable(scale, item, vb, scores_b)
            direction = "same" if va == vb else _direction(item.better, ca, cb)
            item_rows.append(
                {
                    "group": GROUP_LABELS.get(item.group, item.group),
                    "label": item.label,
                    "a": _display(item, va),
                    "b": _display(item, vb),
                    "direction": direction,
                }
            )
        result.append(
            {
                "code": scale,
                "title": module.TITLE,
                "grading": scale in GRADING_SCALES,
                "scores": score_rows,
                "items": item_rows,
                "changed": sum(1 for row in item_rows if row["direction"] != "same"),
                "versions": sorted({v for v in (scores_a.get("version"), scores_b.get("version")) if v}),
            }
        )
    return result


# --- Amendments ------------------------------------------------------------------------------------


def amendment_rows(evaluation) -> list[dict]:
    """Amendments with readable labels: the item names and values, and how the main scores moved."""
    rows = []
    for amendment in evaluation.amendments.all():
        module = SCALES.get(amendment.section)
        items = module.ITEMS_BY_CODE if module else {}
        changes = []
        for change in amendment.changes:
            item = items.get(change["item"])
            changes.append(
                {
                    "code": change["item"],
                    "label": item.label if item else change["item"].replace("_", " ").capitalize(),
                    "before": _display(item, change["before"]) if item else (change["before"] or "—"),
                    "after": _display(item, change["after"]) if item else (change["after"] or "—"),
                }
            )
        score_changes = []
        if module:
            for definition in module.SCORES:
                before = amendment.scores_before.get(definition["key"])
                after = amendment.scores_after.get(definition["key"])
                if before != after:
                    score_changes.append(
                        {
                            "label": definition["label"],
                            "before": before,
                            "after": after,
                            "provisional": definition["key"] in module.PROVISIONAL,
                        }
                    )
        title = module.TITLE if module else ("Notes" if amendment.section == "notes" else "Details")
        rows.append({"amendment": amendment, "title": title, "changes": changes, "score_changes": score_changes})
    return rows
