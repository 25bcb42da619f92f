"""Scheduling arithmetic of a home program: dosage, which exercises fall on which day, and the load.

Pure functions over model instances (no queries beyond the items passed in), shared by the builder,
the portal, adherence, the PDF and the API so they all agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from django.conf import settings

# Time an exercise session takes: each repetition is the hold plus about 4 s to move in and out,
# and sets are separated by a 30 s rest. Timed items (massage, stretches) are one long "hold".
SECONDS_PER_REP = 4
REST_BETWEEN_SETS = 30
# Reading-type items (education, eye care routines) count as a fixed time.
FLAT_SECONDS = {"education": 120, "care": 90}


@dataclass(frozen=True)
class Dose:
    reps: int
    hold_seconds: int
    sets: int
    times_per_day: int
    days_per_week: int

    def describe(self) -> str:
        """The dosage in plain words, as the patient reads it."""
        parts = []
        if self.reps > 1:
            parts.append(f"{self.reps} times")
        if self.hold_seconds:
            parts.append(f"hold {_duration(self.hold_seconds)}")
        if self.sets > 1:
            parts.append(f"{self.sets} sets")
        per_day = {1: "once a day", 2: "twice a day"}.get(self.times_per_day, f"{self.times_per_day} times a day")
        parts.append(per_day)
        if self.days_per_week == 7:
            parts.append("every day")
        elif self.days_per_week == 1:
            parts[-1] = "once a week" if self.times_per_day == 1 else f"{parts[-1]}, one day a week"
        else:
            parts.append(f"{self.days_per_week} days a week")
        return ", ".join(parts)


def _duration(seconds: int) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes > 1 else ''}"
    return f"{seconds} seconds"


def dose_of(item) -> Dose:
    return Dose(
        **{name: item.dose(name) for name in ("reps", "hold_seconds", "sets", "times_per_day", "days_per_week")}
    )


def session_seconds(dose: Dose, kind: str) -> int:
    if kind in FLAT_SECONDS and not dose.hold_seconds:
        return FLAT_SECONDS[kind]
    active = dose.sets * dose.reps * (dose.hold_seconds + SECONDS_PER_REP)
    return active + max(dose.sets - 1, 0) * REST_BETWEEN_SETS


@cache
def weekdays_for(days_per_week: int) -> frozenset[int]:
    """Which days of each 7-day block (counted from the start date) an item falls on, spread evenly."""
    n = min(max(days_per_week, 1), 7)
    return frozenset((i * 7) // n for i in range(n))


def rotation_group(rotation: list, day_index: int) -> set[str] | None:
    groups = [set(group) for group in rotation or [] if group]
    if not groups:
        return None
    return groups[day_index % len(groups)]


def rotated_areas(rotation: list) -> set[str]:
    return {area for group in rotation or [] for area in group}


def is_scheduled(item, *, program, day: date) -> bool:
    """Whether ``item`` is practised on ``day`` under the program's dates, rotation and weekly dosage."""
    return bool(items_on([item], program=program, day=day))


def items_on(items, *, program, day: date) -> list:
    if day < program.start_date or (program.end_date and day > program.end_date):
        return []
    index = (day - program.start_date).days
    rotated = rotated_areas(program.rotation)
    group = rotation_group(program.rotation, index)
    return [
        item
        for item in items
        if index % 7 in weekdays_for(item.dose("days_per_week"))
        and (item.every_day or item.version.area not in rotated or item.version.area in group)
    ]


def release_items(items) -> list:
    """The items a tight day keeps: release and care work; movement is left out (CLINICAL.md §1)."""
    return [item for item in items if item.version.kind in ("release", "care")]


@dataclass(frozen=True)
class DayLoad:
    day: date
    label: str
    exercises: int
    sessions: int
    minutes: float


@dataclass(frozen=True)
class Load:
    days: list[DayLoad]
    average_exercises: float
    average_minutes: float
    max_exercises: int
    max_minutes: float
    limit_exercises: int
    limit_minutes: int

    @property
    def level(self) -> str:
        """ok / high / too_high, against the clinic-wide limits in settings."""
        worst = max(self.max_exercises / self.limit_exercises, self.max_minutes / self.limit_minutes)
        if worst > 1.25:
            return "too_high"
        if worst > 1:
            return "high"
        return "ok"

    @property
    def percent_of_limit(self) -> int:
        worst = max(self.max_exercises / self.limit_exercises, self.max_minutes / self.limit_minutes)
        return round(worst * 100)


def day_load(items, *, program, day: date, label: str = "") -> DayLoad:
    todays = items_on(items, program=program, day=day)
    seconds = sum(session_seconds(dose_of(i), i.version.kind) * i.dose("times_per_day") for i in todays)
    return DayLoad(
        day=day,
        label=label or f"{day:%a %d %b}",
        exercises=len(todays),
        sessions=sum(i.dose("times_per_day") for i in todays),
        minutes=round(seconds / 60, 1),
    )


def program_load(items, *, program) -> Load:
    """Exercises and minutes per day over one full cycle (a week, or longer when the rotation needs it)."""
    items = list(items)
    groups = max(len([g for g in program.rotation or [] if g]), 1)
    cycle = 7 * groups // _gcd(7, groups)
    days = [
        day_load(items, program=program, day=program.start_date + timedelta(days=i), label=f"Day {i + 1}")
        for i in range(cycle)
    ]
    active = [d for d in days if d.exercises] or days
    limits = settings.HOME_PROGRAM_LOAD_LIMITS
    return Load(
        days=days,
        average_exercises=round(sum(d.exercises for d in active) / len(active), 1),
        average_minutes=round(sum(d.minutes for d in active) / len(active), 1),
        max_exercises=max(d.exercises for d in days),
        max_minutes=max(d.minutes for d in days),
        limit_exercises=limits["exercises"],
        limit_minutes=limits["minutes"],
    )


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def plan_items(items, *, program, day: date, release: bool, stage: int | None = None) -> tuple[list, list]:
    """(items to practise, movement items paused) on ``day``; ``release`` marks a tight day.

    On a tight day the rule is: stop forcing movement, release first — every release and care item
    of the program (scheduled that day or not), plus the day's non-movement work; movement waits.
    At stage 1 (the patient went back after the program was given) movement without the therapist's
    override waits too.
    """
    scheduled = items_on(items, program=program, day=day)
    paused: list = []
    if stage == 1:
        paused = [i for i in scheduled if i.version.kind == "movement" and not i.override_reason]
        scheduled = [i for i in scheduled if i not in paused]
    if not release:
        return scheduled, paused
    chosen = release_items(items)
    paused += [i for i in scheduled if i not in chosen and i.version.kind == "movement"]
    chosen += [i for i in scheduled if i not in chosen and i.version.kind != "movement"]
    return chosen, paused
