"""The demo seeder fills the home-program area once, with weeks of practice and open flags."""

from __future__ import annotations

from sessions.models import Appointment, PracticeLog, Program, ReleaseDay
from sessions.programs.demo import seed_home_programs


def test_the_demo_has_programs_practice_flags_and_visits_and_seeding_twice_adds_nothing(db):
    from clinic.demo import seed_people

    demo = seed_people()
    seed_home_programs(demo)
    counts = (Program.objects.count(), PracticeLog.objects.count(), Appointment.objects.count())
    assert Program.objects.filter(status="active").count() == 4
    assert counts[1] > 100 and counts[2] > 20
    assert ReleaseDay.objects.filter(acknowledged_at__isnull=True).exists()
    seed_home_programs(seed_people())
    assert (Program.objects.count(), PracticeLog.objects.count(), Appointment.objects.count()) == counts
