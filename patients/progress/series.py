"""Series over time for the progress page: this area's scales and questionnaires, plus whatever
other areas add through ``PROGRESS_SERIES_PROVIDERS`` (EMG symmetry indices, photo measures…).

A series is ``{"key", "label", "unit", "group", "points": [{"date", "value"}], "higher_is_better"}``,
optionally with ``minimum``/``maximum`` (the axis range) and ``provisional``.
"""

from __future__ import annotations

from collections import OrderedDict

from clinic.hooks import call_hooks
from patients.models import Patient
from patients.questionnaires.selectors import completed_questionnaires
from patients.scales import eface, house_brackmann, sunnybrook
from patients.scales.questionnaires import INSTRUMENTS
from patients.selectors import evaluations_of

# (scale, score key, group, unit)
EVALUATION_SERIES = (
    ("sunnybrook", "composite", "Sunnybrook", "points"),
    ("eface", "static", "eFACE", "score"),
    ("eface", "dynamic", "eFACE", "score"),
    ("eface", "synkinesis", "eFACE", "score"),
    ("eface", "total", "eFACE", "score"),
    ("house_brackmann", "grade", "House-Brackmann", "grade"),
)
_MODULES = {"sunnybrook": sunnybrook, "eface": eface, "house_brackmann": house_brackmann}
QUESTIONNAIRE_SERIES = (
    ("saq", "score"),
    ("face", "total"),
    ("face", "movement"),
    ("face", "social"),
    ("fdi", "physical"),
    ("fdi", "social"),
)


def _definition(scores: tuple[dict, ...], key: str) -> dict:
    return next(d for d in scores if d["key"] == key)


def evaluation_series(patient: Patient) -> list[dict]:
    evaluations = list(evaluations_of(patient, completed_only=True).order_by("performed_on", "pk"))
    series = []
    for scale, key, group, unit in EVALUATION_SERIES:
        module = _MODULES[scale]
        definition = _definition(module.SCORES, key)
        points = []
        for evaluation in evaluations:
            entry = evaluation.scale(scale)
            value = entry.scores.get(key) if entry else None
            if value is not None:
                points.append({"date": evaluation.performed_on, "value": float(value), "evaluation": evaluation.pk})
        series.append(
            {
                "key": f"{scale}.{key}",
                "label": definition["label"],
                "unit": unit,
                "group": group,
                "points": points,
                "higher_is_better": definition["better"] == "higher",
                "minimum": definition["minimum"],
                "maximum": definition["maximum"],
                "provisional": key in module.PROVISIONAL,
                **({"tick_labels": dict(house_brackmann.ROMAN), "invert": True} if scale == "house_brackmann" else {}),
            }
        )
    return series


def questionnaire_series(patient: Patient) -> list[dict]:
    completed = list(completed_questionnaires(patient))
    series = []
    for code, key in QUESTIONNAIRE_SERIES:
        instrument = INSTRUMENTS[code]
        definition = _definition(instrument.scores, key)
        points = [
            {"date": a.completed_at.date(), "value": float(a.scores[key])}
            for a in completed
            if a.instrument == code and a.scores.get(key) is not None
        ]
        series.append(
            {
                "key": f"{code}.{key}",
                "label": definition["label"],
                "unit": "score",
                "group": instrument.title,
                "points": points,
                "higher_is_better": definition["better"] == "higher",
                "minimum": definition["minimum"],
                "maximum": definition["maximum"],
                "provisional": key in instrument.provisional,
            }
        )
    return series


def progress_series(patient: Patient) -> list[dict]:
    return evaluation_series(patient) + questionnaire_series(patient) + call_hooks("PROGRESS_SERIES_PROVIDERS", patient)


def grouped(series: list[dict]) -> list[dict]:
    """Series with at least one point, gathered by group in first-seen order."""
    groups: OrderedDict[str, list[dict]] = OrderedDict()
    for entry in series:
        if entry.get("points"):
            groups.setdefault(entry.get("group") or entry.get("label", ""), []).append(entry)
    return [{"name": name, "series": members} for name, members in groups.items()]
