"""Reads of the library and programs (querysets)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from sessions.models import Exercise, PracticeLog, Program, ProgramTemplate


def library(
    clinic, *, category: str = "", kind: str = "", area: str = "", stage: str = "", q: str = "", archived: str = ""
) -> list[Exercise]:
    exercises = Exercise.objects.filter(clinic=clinic, current__isnull=False, is_archived=archived == "1")
    exercises = exercises.select_related("current").prefetch_related("media")
    if category:
        exercises = exercises.filter(current__category=category)
    if kind:
        exercises = exercises.filter(current__kind=kind)
    if area:
        exercises = exercises.filter(current__area=area)
    if q:
        exercises = exercises.filter(Q(current__title__icontains=q) | Q(current__summary__icontains=q))
    result = list(exercises.order_by("current__category", "current__title"))
    if stage.isdigit():
        result = [e for e in result if int(stage) in e.current.stages]
    return result


def templates_of(clinic, *, archived: bool = False) -> QuerySet[ProgramTemplate]:
    return ProgramTemplate.objects.filter(clinic=clinic, is_archived=archived).prefetch_related("items")


def programs_using(exercise: Exercise) -> QuerySet[Program]:
    return Program.objects.filter(items__version__exercise=exercise, status__in=["draft", "active"]).distinct()


def recent_logs(patient) -> QuerySet[PracticeLog]:
    return PracticeLog.objects.filter(patient=patient).select_related("item__version").order_by("-date", "-logged_at")
