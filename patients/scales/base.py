"""Shared pieces of the scoring modules: item definitions, validation, the error type.

No Django here: the scales are pure functions over a ``dict`` of item answers, so stored answers can
be rescored by any later version of a scale (each module carries a ``VERSION``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Value = int | float | str


class ScaleError(ValueError):
    """Item answers that a scale cannot accept; ``errors`` maps item code → message."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{code}: {message}" for code, message in self.errors.items()))


@dataclass(frozen=True)
class Option:
    value: Value
    label: str
    points: float | None = None  # what the option counts in the scale's arithmetic, when it counts
    help: str = ""


@dataclass(frozen=True)
class Item:
    """One answer of a scale.

    ``kind`` is ``choice`` (one of ``options``, stored as the option value), ``integer`` or
    ``number`` (between ``minimum`` and ``maximum``). ``better`` says which way is better for
    comparisons: ``higher``, ``lower``, ``centre`` (a balanced value, e.g. eFACE static items) or
    ``none`` (descriptive findings).
    """

    code: str
    label: str
    kind: str
    group: str = ""
    options: tuple[Option, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    step: float = 1
    unit: str = ""
    better: str = "higher"
    help: str = ""
    anchors: Mapping[str, str] = field(default_factory=dict)

    def option(self, value: Value) -> Option | None:
        for option in self.options:
            if option.value == value:
                return option
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "kind": self.kind,
            "group": self.group,
            "options": [{"value": o.value, "label": o.label, "points": o.points, "help": o.help} for o in self.options],
            "minimum": self.minimum,
            "maximum": self.maximum,
            "step": self.step,
            "unit": self.unit,
            "better": self.better,
            "help": self.help,
            "anchors": dict(self.anchors),
        }


def _coerce_number(raw: Any, *, integer: bool) -> float | int:
    if isinstance(raw, bool):
        raise ValueError("a number is expected")
    if isinstance(raw, str):
        text = raw.strip().replace(",", ".")
        if not text:
            raise ValueError("a number is expected")
        raw = float(text)
    if not isinstance(raw, int | float):
        raise ValueError("a number is expected")
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError("a finite number is expected")
    if integer:
        if value != int(value):
            raise ValueError("a whole number is expected")
        return int(value)
    value = round(value, 2)
    return int(value) if value == int(value) else value


def _coerce_choice(item: Item, raw: Any) -> Value:
    if isinstance(raw, bool):
        raise ValueError("not one of the choices")
    candidates = [raw]
    if isinstance(raw, str):
        text = raw.strip()
        candidates = [text]
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            candidates.append(int(number) if number == int(number) else number)
    elif isinstance(raw, float) and raw == int(raw):
        candidates.append(int(raw))
    for candidate in candidates:
        option = item.option(candidate)
        if option is not None:
            return option.value
    allowed = ", ".join(str(o.value) for o in item.options)
    raise ValueError(f"not one of the choices ({allowed})")


def clean_value(item: Item, raw: Any) -> Value:
    """One answer converted to its stored type, or ``ValueError`` with a message for the user."""
    if item.kind == "choice":
        return _coerce_choice(item, raw)
    try:
        value = _coerce_number(raw, integer=item.kind == "integer")
    except (TypeError, ValueError) as exc:
        message = str(exc) if str(exc).startswith("a ") else "a number is expected"
        raise ValueError(message) from None
    if item.minimum is not None and value < item.minimum:
        raise ValueError(f"must be between {_fmt(item.minimum)} and {_fmt(item.maximum)}")
    if item.maximum is not None and value > item.maximum:
        raise ValueError(f"must be between {_fmt(item.minimum)} and {_fmt(item.maximum)}")
    return value


def _fmt(value: float | None) -> str:
    if value is None:
        return "…"
    return str(int(value)) if value == int(value) else str(value)


def clean_items(items_by_code: Mapping[str, Item], answers: Mapping[str, Any]) -> dict[str, Value | None]:
    """Validate a (partial) set of answers. ``None`` or ``""`` means "clear this item".

    Raises ``ScaleError`` listing every bad item at once, so a form can show all of them.
    """
    if not isinstance(answers, Mapping):
        raise ScaleError({"items": "an object of item answers is expected"})
    cleaned: dict[str, Value | None] = {}
    errors: dict[str, str] = {}
    for code, raw in answers.items():
        item = items_by_code.get(code)
        if item is None:
            errors[str(code)] = "unknown item"
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            cleaned[code] = None
            continue
        try:
            cleaned[code] = clean_value(item, raw)
        except ValueError as exc:
            errors[code] = str(exc)
    if errors:
        raise ScaleError(errors)
    return cleaned


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def rounded(value: float | None, digits: int = 1) -> float | None:
    if value is None:
        return None
    result = round(value + 0.0, digits)
    return int(result) if result == int(result) else result
