"""Pure scoring of the clinical scales and questionnaires (no Django).

Each scale module has ``CODE``, ``TITLE``, ``VERSION``, ``ITEMS``, ``SCORES``, ``PROVISIONAL``,
``validate(answers)`` (→ cleaned answers or ``ScaleError``), ``score(items)`` (→ JSON-ready dict that
carries the version and the formulas) and ``definition()`` (for forms and the API).
"""

from __future__ import annotations

from types import ModuleType

from patients.scales import eface, house_brackmann, muscle_review, sensation, sunnybrook
from patients.scales.base import ScaleError

SCALES: dict[str, ModuleType] = {
    module.CODE: module for module in (house_brackmann, sunnybrook, eface, muscle_review, sensation)
}
# The three grading scales; muscle review and sensation are findings recorded the same way.
GRADING_SCALES = ("house_brackmann", "sunnybrook", "eface")


def get_scale(code: str) -> ModuleType:
    try:
        return SCALES[code]
    except KeyError:
        raise ScaleError({"scale": f"unknown scale {code!r}"}) from None


__all__ = ["GRADING_SCALES", "SCALES", "ScaleError", "get_scale"]
