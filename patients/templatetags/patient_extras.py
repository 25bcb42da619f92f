from __future__ import annotations

from django import template

from patients.scales.house_brackmann import ROMAN

register = template.Library()


@register.filter
def get(mapping, key):
    """``{{ dict|get:key }}``: a lookup with a variable key."""
    if mapping is None:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def roman(value):
    try:
        return ROMAN[int(value)]
    except (KeyError, TypeError, ValueError):
        return "—"


@register.filter
def signed(value):
    """A change with its sign: +3, −2.5, 0."""
    if value is None or value == "":
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    text = str(int(number)) if number.is_integer() else f"{abs(number):.1f}".rstrip("0").rstrip(".")
    if number > 0:
        return f"+{text}"
    if number < 0:
        return f"−{text.lstrip('-')}"
    return "0"


@register.filter
def num(value):
    """A score for display: whole numbers without decimals, others with one, missing as a dash."""
    if value is None or value == "":
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return str(int(number)) if number.is_integer() else f"{number:.1f}"
