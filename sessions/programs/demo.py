"""Demo data of the home-program area: library, templates, programs with weeks of practice, follow-up."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.db import transaction

from sessions.models import (
    Appointment,
    FollowUpGoal,
    FollowUpPlan,
    PracticeLog,
    Program,
    ProgramTemplate,
    ReleaseDay,
    TightnessReport,
)
from sessions.programs import schedule, services
from sessions.programs.dates import clinic_today, clinic_zone
from sessions.programs.seed import library_seed_starter

# record number → (days since the program started, practice probability, tightness base, rising, portal logs)
DEMO_PROGRAMS = {
    "RT-1001": (21, 0.8, 2, False),
    "RT-1002": (18, 0.65, 3, True),
    "RT-1003": (10, 0.0, 0, False),
    "RT-1007": (14, 0.35, 2, False),
}


@transaction.atomic
def seed_home_programs(demo) -> None:
    clinic = demo.clinic
    library_seed_starter(clinic=clinic)
    today = clinic_today(clinic)
    tz = clinic_zone(clinic)
    for patient in demo.patients:
        spec = DEMO_PROGRAMS.get(patient.record_number)
        therapist = patient.care_team.first() or demo.therapists[0]
        if spec is not None and not Program.objects.filter(patient=patient).exists():
            started_days, probability, base, rising = spec
            template = ProgramTemplate.objects.filter(clinic=clinic, stage=patient.stage).exclude(key="").first()
            program = services.program_create(
                actor=therapist,
                patient=patient,
                template=template,
                start_date=today - timedelta(days=started_days),
                end_date=today + timedelta(days=28),
            )
            services.program_activate(actor=therapist, program=program)
            if probability:
                _practice_history(program, today=today, probability=probability, base=base, rising=rising)
        if spec is not None and not FollowUpPlan.objects.filter(patient=patient).exists():
            plan = FollowUpPlan.objects.create(
                patient=patient,
                frequency="weekly",
                next_review_date=today + timedelta(days=(patient.pk % 5) + 1),
                reevaluation_due=today + timedelta(days=21),
                updated_by=therapist,
            )
            FollowUpGoal.objects.create(
                plan=plan,
                description="Practise most days",
                measure_key="home_program.adherence",
                measure_label="Home practice adherence (%)",
                target_value=80,
                target_date=today + timedelta(days=28),
            )
            FollowUpGoal.objects.create(
                plan=plan,
                description="Keep the face supple",
                measure_key="home_program.tightness",
                measure_label="Mean reported tightness (0–10)",
                target_value=3,
                higher_is_better=False,
                target_date=today + timedelta(days=42),
            )
            for week in range(-3, 5):
                day = today + timedelta(days=7 * week + (patient.pk % 3))
                day += timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)  # clinic days only
                starts = datetime.combine(day, time(9 + patient.pk % 7, 0), tzinfo=tz)
                Appointment.objects.create(
                    clinic=clinic,
                    patient=patient,
                    therapist=therapist,
                    kind="reevaluation" if week == 3 else ("emg" if week % 2 else "therapy"),
                    starts_at=starts,
                    duration_minutes=45,
                    location="Room A",
                    status="attended" if week < 0 else "scheduled",
                    created_by=therapist,
                )


def _practice_history(program: Program, *, today, probability: float, base: int, rising: bool) -> None:
    rng = random.Random(program.patient_id * 7919)
    items = list(program.items.select_related("version"))
    logs, reports = [], []
    release_dates = []
    day = program.start_date
    while day < today:
        elapsed = (today - day).days
        tightness = base + rng.choice([-1, 0, 0, 1])
        if rising and elapsed <= 6:
            tightness += 3
        tightness = max(0, min(10, tightness))
        release = tightness >= program.effective_threshold
        chosen, _ = schedule.plan_items(items, program=program, day=day, release=release)
        if release:
            release_dates.append((day, tightness))
        practised = False
        for item in chosen:
            for session in range(1, item.dose("times_per_day") + 1):
                if rng.random() < probability:
                    practised = True
                    logs.append(
                        PracticeLog(
                            patient=program.patient,
                            program=program,
                            item=item,
                            date=day,
                            session=session,
                            status="done" if rng.random() < 0.85 else "partial",
                            difficulty=rng.choice([2, 2, 3, 3, 4]),
                            on_release_plan=release,
                        )
                    )
        if practised:
            reports.append(TightnessReport(patient=program.patient, program=program, date=day, value=tightness))
        day += timedelta(days=1)
    PracticeLog.objects.bulk_create(logs)
    TightnessReport.objects.bulk_create(reports)
    for day, value in release_dates:
        ReleaseDay.objects.get_or_create(
            program=program,
            date=day,
            defaults={"patient": program.patient, "tightness": value, "threshold": program.effective_threshold},
        )
