"""Safety rules of home programs (CLINICAL.md §1), enforced by the services."""

from __future__ import annotations

from dataclasses import dataclass

from clinic.errors import DomainError

MIN_OVERRIDE_REASON = 12


@dataclass(frozen=True)
class StageAdvice:
    blocked: bool
    warnings: list[str]


def stage_advice(*, stage: int, version) -> StageAdvice:
    """Whether an exercise may go into a program for a patient at ``stage``, and what to warn about."""
    warnings = []
    blocked = stage == 1 and version.kind == "movement"
    if blocked:
        warnings.append(
            "Stage 1: facial movement exercises wait until movement begins to return (no forced movement, "
            "no mirror forcing). Adding it needs your reason."
        )
    elif version.stages and stage not in version.stages:
        suits = ", ".join(str(s) for s in sorted(version.stages))
        warnings.append(f"The library lists this exercise for stage {suits}, not stage {stage}.")
    return StageAdvice(blocked=blocked, warnings=warnings)


def require_stage_rule(*, stage: int, version, override_reason: str) -> str:
    """Raise unless the exercise is allowed at ``stage``; returns the cleaned override reason."""
    reason = (override_reason or "").strip()
    if stage_advice(stage=stage, version=version).blocked:
        if len(reason) < MIN_OVERRIDE_REASON:
            raise DomainError(
                f"“{version.title}” is a movement exercise and the patient is at stage 1, where forced movement "
                "is avoided. To add it anyway, give your clinical reason (at least "
                f"{MIN_OVERRIDE_REASON} characters).",
                field="override_reason",
                code="stage_rule",
            )
        return reason
    return ""


def validate_dosage(values: dict) -> None:
    bounds = {
        "reps": (1, 50),
        "hold_seconds": (0, 600),
        "sets": (1, 10),
        "times_per_day": (1, 6),
        "days_per_week": (1, 7),
    }
    for name, (low, high) in bounds.items():
        value = values.get(name)
        if value is None:
            continue
        if not isinstance(value, int) or not low <= value <= high:
            raise DomainError(f"{name.replace('_', ' ').capitalize()} must be between {low} and {high}.", field=name)


def validate_rotation(rotation) -> list[list[str]]:
    from sessions.models import Area

    if rotation in (None, ""):
        return []
    if not isinstance(rotation, list) or not all(isinstance(g, list) for g in rotation):
        raise DomainError("The rotation is a list of day groups, each a list of facial areas.", field="rotation")
    cleaned: list[list[str]] = []
    seen: set[str] = set()
    for group in rotation:
        areas = [a for a in group if a]
        unknown = [a for a in areas if a not in Area.values]
        if unknown:
            raise DomainError(f"Unknown facial area: {', '.join(unknown)}.", field="rotation")
        twice = seen.intersection(areas)
        if twice:
            raise DomainError(f"An area can be in one day group only: {', '.join(sorted(twice))}.", field="rotation")
        seen.update(areas)
        if areas:
            cleaned.append(areas)
    if len(cleaned) > 7:
        raise DomainError("Rotate over at most 7 day groups.", field="rotation")
    return cleaned
