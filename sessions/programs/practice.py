"""The patient's side: today's plan, practice logs, tightness and the switch to release work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from clinic.audit import audit_record
from clinic.errors import DomainError
from clinic.models import User
from patients.models import Patient
from sessions.models import PracticeLog, Program, ProgramItem, ReleaseDay, TightnessReport
from sessions.programs import schedule
from sessions.programs.dates import clinic_today


def active_program(patient: Patient) -> Program | None:
    return (
        Program.objects.filter(patient=patient, status=Program.Status.ACTIVE).select_related("clinic", "author").first()
    )


@dataclass
class PlanEntry:
    item: ProgramItem
    dose: schedule.Dose
    sessions_done: int
    sessions_target: int
    minutes: float

    @property
    def complete(self) -> bool:
        return self.sessions_done >= self.sessions_target


@dataclass
class DayPlan:
    program: Program | None
    day: date
    release: ReleaseDay | None
    entries: list[PlanEntry] = field(default_factory=list)
    # Movement work left out today because of tightness (shown to the patient, greyed).
    paused: list[ProgramItem] = field(default_factory=list)

    @property
    def is_release_day(self) -> bool:
        return self.release is not None

    @property
    def minutes(self) -> float:
        return round(sum(e.minutes for e in self.entries), 1)

    @property
    def done_count(self) -> int:
        return sum(1 for e in self.entries if e.complete)


def day_plan(program: Program | None, day: date) -> DayPlan:
    """What the patient practises on ``day``: the scheduled items, or the release plan on a tight day."""
    if program is None:
        return DayPlan(program=None, day=day, release=None)
    items = list(program.items.select_related("version__exercise"))
    release = ReleaseDay.objects.filter(program=program, date=day).first()
    scheduled, paused = schedule.plan_items(
        items, program=program, day=day, release=release is not None, stage=program.patient.stage
    )
    counts = dict(
        PracticeLog.objects.filter(program=program, date=day)
        .values("item_id")
        .annotate(n=Count("id"))
        .values_list("item_id", "n")
    )
    entries = []
    for item in scheduled:
        dose = schedule.dose_of(item)
        entries.append(
            PlanEntry(
                item=item,
                dose=dose,
                sessions_done=counts.get(item.pk, 0),
                sessions_target=dose.times_per_day,
                minutes=round(schedule.session_seconds(dose, item.version.kind) * dose.times_per_day / 60, 1),
            )
        )
    return DayPlan(program=program, day=day, release=release, entries=entries, paused=paused)


def _maybe_switch_to_release(*, program: Program, patient: Patient, day: date, value: int) -> ReleaseDay | None:
    threshold = program.effective_threshold
    if value < threshold:
        return None
    release = ReleaseDay.objects.filter(program=program, date=day).first()
    if release is None:
        try:
            with transaction.atomic():
                release = ReleaseDay.objects.create(
                    patient=patient, program=program, date=day, tightness=value, threshold=threshold
                )
        except IntegrityError:  # reported twice at once: one release day
            release = ReleaseDay.objects.get(program=program, date=day)
        audit_record(
            actor=patient.user,
            action="practice.release_day",
            obj=release,
            extra={"tightness": value, "threshold": threshold},
        )
    elif value > release.tightness:
        release.tightness = value
        release.save(update_fields=["tightness"])
    return release


@dataclass
class LogResult:
    log: PracticeLog
    release: ReleaseDay | None


@transaction.atomic
def practice_log(
    *,
    actor: User,
    item: ProgramItem,
    status: str,
    difficulty: int | None = None,
    tightness: int | None = None,
    note: str = "",
    day: date | None = None,
) -> LogResult:
    """Log one practice of an exercise. Tightness at or above the threshold turns the day to release work."""
    program = Program.objects.select_for_update().select_related("patient", "clinic").get(pk=item.program_id)
    patient = program.patient
    if actor.is_patient and patient.user_id != actor.pk:
        raise DomainError("You can only log your own practice.", code="forbidden")
    if program.status != Program.Status.ACTIVE:
        raise DomainError("This program is no longer active.", code="inactive")
    today = clinic_today(program.clinic)
    day = day or today
    if day > today:
        raise DomainError("Practice cannot be logged for a future day.", field="date")
    if (today - day).days > 7:
        raise DomainError("Practice can be logged for the last 7 days only.", field="date")
    if day < program.start_date or (program.end_date and day > program.end_date):
        raise DomainError("That day is outside the program's dates.", field="date")
    if status not in PracticeLog.Status.values:
        raise DomainError("Choose done or partly done.", field="status")
    if difficulty is not None and difficulty not in PracticeLog.Difficulty.values:
        raise DomainError("Difficulty is 1 (very easy) to 5 (very hard).", field="difficulty")
    if tightness is not None and not 0 <= tightness <= 10:
        raise DomainError("Tightness is 0 (relaxed) to 10 (very tight).", field="tightness")
    times = item.dose("times_per_day")
    done = PracticeLog.objects.filter(item=item, date=day).count()
    if done >= times:
        raise DomainError(
            f"Already logged {times} time{'s' if times > 1 else ''} for this day — that is the full dose.",
            code="complete",
        )
    release = ReleaseDay.objects.filter(program=program, date=day).first()
    log = PracticeLog.objects.create(
        patient=patient,
        program=program,
        item=item,
        date=day,
        session=done + 1,
        status=status,
        difficulty=difficulty,
        tightness=tightness,
        note=(note or "").strip()[:500],
        on_release_plan=release is not None,
    )
    audit_record(actor=actor, action="practice.log", obj=log, extra={"item": item.pk, "status": status})
    if tightness is not None:
        TightnessReport.objects.create(patient=patient, program=program, date=day, value=tightness, log=log)
        release = _maybe_switch_to_release(program=program, patient=patient, day=day, value=tightness)
    return LogResult(log=log, release=release)


@transaction.atomic
def tightness_report(*, actor: User, patient: Patient, value: int, day: date | None = None) -> ReleaseDay | None:
    """A tightness check-in on its own (0–10); may switch the day to release work."""
    if actor.is_patient and patient.user_id != actor.pk:
        raise DomainError("You can only report for yourself.", code="forbidden")
    if not isinstance(value, int) or not 0 <= value <= 10:
        raise DomainError("Tightness is 0 (relaxed) to 10 (very tight).", field="tightness")
    program = active_program(patient)
    day = day or clinic_today(patient.clinic)
    report = TightnessReport.objects.create(patient=patient, program=program, date=day, value=value)
    audit_record(actor=actor, action="practice.tightness", obj=report, extra={"value": value})
    if program is None:
        return None
    return _maybe_switch_to_release(program=program, patient=patient, day=day, value=value)


@transaction.atomic
def release_day_acknowledge(*, actor: User, release: ReleaseDay, note: str = "") -> int:
    """The therapist has seen the flag: it and the program's earlier open flags are closed. Returns how many."""
    if not actor.is_therapist:
        raise DomainError("Only therapists acknowledge tightness flags.", code="forbidden")
    open_flags = list(
        ReleaseDay.objects.select_for_update().filter(
            program_id=release.program_id, date__lte=release.date, acknowledged_at__isnull=True
        )
    )
    now = timezone.now()
    for flag in open_flags:
        flag.acknowledged_at = now
        flag.acknowledged_by = actor
        flag.acknowledge_note = (note or "").strip()[:300]
        flag.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledge_note"])
        audit_record(actor=actor, action="practice.release_day_ack", obj=flag)
    return len(open_flags)


def unacknowledged_release_days(patients):
    return (
        ReleaseDay.objects.filter(patient__in=patients, acknowledged_at__isnull=True)
        .select_related("patient", "program")
        .order_by("-date")
    )


def logs_for(patient: Patient, *, since: date | None = None):
    logs = PracticeLog.objects.filter(patient=patient).select_related("item__version")
    if since:
        logs = logs.filter(Q(date__gte=since))
    return logs
