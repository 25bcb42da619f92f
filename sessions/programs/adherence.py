"""Adherence against the schedule, streaks and tightness trends.

A day's target is the number of practice sessions its plan asks for (items × times per day; on a
tight day, the release plan). A session logged "done" counts 1, "partly done" 0.5, and no item
counts beyond its dose. Days with nothing scheduled neither help nor break a streak.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import mean

from django.conf import settings
from django.db.models import Prefetch

from patients.models import Patient
from sessions.models import PracticeLog, Program, ProgramItem, ReleaseDay, TightnessReport
from sessions.programs import schedule
from sessions.programs.dates import clinic_today

CREDIT = {"done": 1.0, "partial": 0.5}
# What scheduling needs of an item and its exercise version (the steps and texts are not loaded).
_PLAN_FIELDS = (
    "program_id",
    "version_id",
    "every_day",
    "override_reason",
    "reps",
    "hold_seconds",
    "sets",
    "times_per_day",
    "days_per_week",
    "version__kind",
    "version__area",
    "version__reps",
    "version__hold_seconds",
    "version__sets",
    "version__times_per_day",
    "version__days_per_week",
)


@dataclass(frozen=True)
class DayAdherence:
    day: date
    target: int
    credit: float
    release: bool

    @property
    def fraction(self) -> float | None:
        return None if self.target == 0 else min(self.credit / self.target, 1.0)

    @property
    def bucket(self) -> str:
        """For the calendar: rest / none / some / most / all / future."""
        f = self.fraction
        if f is None:
            return "rest"
        if f == 0:
            return "none"
        if f < 0.5:
            return "some"
        if f < 1:
            return "most"
        return "all"


def days_for(patient: Patient, start: date, end: date) -> list[DayAdherence]:
    """Per-day adherence of the patient over [start, end] across the programs that ran then."""
    return days_for_many([patient], start, end)[patient.pk]


def days_for_many(patients, start: date, end: date) -> dict[int, list[DayAdherence]]:
    """``days_for`` of many patients at once, in a constant number of queries (the dashboard's need)."""
    patients = list(patients)
    stage_of = {p.pk: p.stage for p in patients}
    programs = list(
        Program.objects.filter(
            patient_id__in=stage_of, status__in=["active", "completed", "discontinued"], start_date__lte=end
        )
        .exclude(end_date__lt=start)
        .prefetch_related(Prefetch("items", queryset=ProgramItem.objects.select_related("version").only(*_PLAN_FIELDS)))
        .order_by("start_date")
    )
    credits: dict[tuple[int, date], float] = defaultdict(float)
    for item_id, day, status in PracticeLog.objects.filter(
        program__in=programs, date__gte=start, date__lte=end
    ).values_list("item_id", "date", "status"):
        credits[(item_id, day)] += CREDIT.get(status, 0)
    release_dates = set(
        ReleaseDay.objects.filter(program__in=programs, date__gte=start, date__lte=end).values_list(
            "program_id", "date"
        )
    )
    by_patient: dict[int, dict[date, DayAdherence]] = defaultdict(dict)
    for program in programs:
        items = list(program.items.all())
        day = max(start, program.start_date)
        p_end = min(end, program.end_date or end)
        while day <= p_end:
            release = (program.pk, day) in release_dates
            chosen, _ = schedule.plan_items(
                items, program=program, day=day, release=release, stage=stage_of[program.patient_id]
            )
            target = sum(i.dose("times_per_day") for i in chosen)
            credit = sum(min(credits[(i.pk, day)], i.dose("times_per_day")) for i in chosen)
            by_patient[program.patient_id][day] = DayAdherence(day=day, target=target, credit=credit, release=release)
            day += timedelta(days=1)
    span = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return {
        pk: [by_patient[pk].get(day, DayAdherence(day=day, target=0, credit=0, release=False)) for day in span]
        for pk in stage_of
    }


def fraction(days: list[DayAdherence]) -> float | None:
    target = sum(d.target for d in days)
    return None if target == 0 else min(sum(min(d.credit, d.target) for d in days) / target, 1.0)


@dataclass(frozen=True)
class Streaks:
    current: int
    longest: int


def streaks(days: list[DayAdherence], *, today: date) -> Streaks:
    """Consecutive scheduled days with some practice. Today does not break the streak until it is over."""
    longest = run = 0
    for d in days:
        if d.target == 0 or d.day > today:
            continue
        if d.credit > 0:
            run += 1
            longest = max(longest, run)
        elif d.day < today:
            run = 0
    current = 0
    for d in reversed(days):
        if d.day > today or d.target == 0:
            continue
        if d.credit > 0:
            current += 1
        elif d.day == today:
            continue
        else:
            break
    return Streaks(current=current, longest=longest)


def weekly_series(patient: Patient, *, weeks: int = 12, today: date | None = None) -> list[dict]:
    """Weekly adherence % (weeks ending today), only weeks with something scheduled."""
    today = today or clinic_today(patient.clinic)
    start = today - timedelta(days=7 * weeks - 1)
    days = days_for(patient, start, today)
    points = []
    for w in range(weeks):
        chunk = days[w * 7 : (w + 1) * 7]
        value = fraction(chunk)
        if value is not None:
            points.append({"date": chunk[-1].day, "value": round(value * 100, 1)})
    return points


def tightness_weekly(patient: Patient, *, weeks: int = 12, today: date | None = None) -> list[dict]:
    today = today or clinic_today(patient.clinic)
    start = today - timedelta(days=7 * weeks - 1)
    by_week: dict[int, list[int]] = defaultdict(list)
    for day, value in TightnessReport.objects.filter(patient=patient, date__gte=start, date__lte=today).values_list(
        "date", "value"
    ):
        by_week[(day - start).days // 7].append(value)
    return [
        {"date": start + timedelta(days=7 * w + 6), "value": round(mean(values), 2)}
        for w, values in sorted(by_week.items())
    ]


@dataclass(frozen=True)
class TightnessTrend:
    previous: float
    recent: float
    rising: bool


def tightness_trend(patient: Patient, *, today: date | None = None) -> TightnessTrend | None:
    """Mean tightness of the last 7 days against the 7 before; None without 2+ reports in each."""
    today = today or clinic_today(patient.clinic)
    return tightness_trends([patient], today=today).get(patient.pk)


def tightness_trends(patients, *, today: date) -> dict[int, TightnessTrend]:
    reports: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for patient_id, day, value in TightnessReport.objects.filter(
        patient__in=list(patients), date__gt=today - timedelta(days=14), date__lte=today
    ).values_list("patient_id", "date", "value"):
        reports[patient_id].append((day, value))
    trends = {}
    for patient_id, rows in reports.items():
        recent = [v for d, v in rows if d > today - timedelta(days=7)]
        previous = [v for d, v in rows if d <= today - timedelta(days=7)]
        if len(recent) < 2 or len(previous) < 2:
            continue
        r, p = mean(recent), mean(previous)
        trends[patient_id] = TightnessTrend(
            previous=round(p, 1), recent=round(r, 1), rising=r - p >= settings.HOME_PROGRAM_TIGHTNESS_RISE
        )
    return trends


def recent_adherence(patient: Patient, *, today: date | None = None, days: int = 7) -> tuple[float | None, int]:
    """(adherence, scheduled days) over the last ``days`` complete days (today is not over yet)."""
    today = today or clinic_today(patient.clinic)
    return recent_adherence_many([patient], today=today, days=days)[patient.pk]


def recent_adherence_many(patients, *, today: date, days: int = 7) -> dict[int, tuple[float | None, int]]:
    end = today - timedelta(days=1)
    windows = days_for_many(patients, end - timedelta(days=days - 1), end)
    return {pk: (fraction(window), sum(1 for d in window if d.target)) for pk, window in windows.items()}
