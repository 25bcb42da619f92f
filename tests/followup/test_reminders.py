"""Reminders become due once per (kind, target, due date) and are sent at most once."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from sessions.followup import reminders, services
from sessions.followup.tasks import reminders_dispatch
from sessions.models import Appointment, Reminder
from sessions.programs.dates import clinic_today, clinic_zone


@pytest.fixture
def visit_tomorrow(therapist_a, patient_a1):
    return services.appointment_create(
        actor=therapist_a, patient=patient_a1, starts_at=timezone.now() + timedelta(hours=20), location="Room A"
    )


def test_a_due_reminder_is_sent_once_however_often_beat_runs(visit_tomorrow, patient_a1):
    for _ in range(3):
        reminders_dispatch.delay()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [patient_a1.user.email] and "Reminder: your visit" in message.subject
    assert Reminder.objects.get().state == Reminder.State.SENT


def test_sending_the_same_reminder_twice_sends_once(visit_tomorrow):
    (reminder_id,) = reminders.reminders_plan_due()
    assert reminders.reminder_send(reminder_id=reminder_id, worker="w1") == "sent"
    assert reminders.reminder_send(reminder_id=reminder_id, worker="w2") == "not claimable: sent"
    assert len(mail.outbox) == 1


def test_nothing_is_due_for_visits_further_away_or_cancelled(therapist_a, patient_a1, visit_tomorrow):
    services.appointment_create(actor=therapist_a, patient=patient_a1, starts_at=timezone.now() + timedelta(days=3))
    services.appointment_set_status(actor=therapist_a, appointment=visit_tomorrow, status="cancelled")
    reminders_dispatch.delay()
    assert mail.outbox == [] and Reminder.objects.count() == 0


def test_a_visit_cancelled_after_it_became_due_is_skipped(therapist_a, visit_tomorrow):
    (reminder_id,) = reminders.reminders_plan_due()
    Appointment.objects.filter(pk=visit_tomorrow.pk).update(status="cancelled")
    assert reminders.reminder_send(reminder_id=reminder_id).startswith("skipped")
    assert mail.outbox == []


def test_a_moved_visit_gets_its_own_reminder(therapist_a, patient_a1):
    tz = clinic_zone(patient_a1.clinic)
    day = clinic_today(patient_a1.clinic) + timedelta(days=10)
    visit = services.appointment_create(
        actor=therapist_a, patient=patient_a1, starts_at=datetime.combine(day, time(10, 0), tzinfo=tz)
    )
    eve = datetime.combine(day - timedelta(days=1), time(12, 0), tzinfo=tz)
    (first,) = reminders.reminders_plan_due(now=eve)
    assert reminders.reminders_plan_due(now=eve + timedelta(hours=1)) == [first]  # same row, still pending
    assert reminders.reminder_send(reminder_id=first) == "sent"
    services.appointment_reschedule(
        actor=therapist_a,
        appointment=visit,
        starts_at=datetime.combine(day + timedelta(days=1), time(10, 0), tzinfo=tz),
    )
    (second,) = reminders.reminders_plan_due(now=eve + timedelta(days=1))
    assert second != first and reminders.reminder_send(reminder_id=second) == "sent"
    assert [r.due_date for r in Reminder.objects.order_by("pk")] == [day, day + timedelta(days=1)]
    assert len(mail.outbox) == 2


def test_a_claim_whose_worker_died_is_taken_over_after_the_lease(visit_tomorrow, settings):
    (reminder_id,) = reminders.reminders_plan_due()
    assert reminders.reminder_claim(reminder_id=reminder_id, worker="dead") is not None
    # Within the lease nobody else may take it.
    assert reminders.reminder_send(reminder_id=reminder_id, worker="w2") == "not claimable: claimed"
    later = timezone.now() + timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS + 1)
    assert reminders.reminder_claim(reminder_id=reminder_id, worker="w2", now=later) is not None
    assert Reminder.objects.get().attempts == 2


def test_a_reminder_left_in_sending_is_never_sent_again(visit_tomorrow):
    (reminder_id,) = reminders.reminders_plan_due()
    Reminder.objects.filter(pk=reminder_id).update(state="sending", claimed_at=timezone.now() - timedelta(days=1))
    assert reminder_id not in reminders.reminders_plan_due()
    assert reminders.reminder_send(reminder_id=reminder_id) == "not claimable: sending"
    assert mail.outbox == []


def test_the_therapist_hears_when_a_review_is_due(therapist_a, patient_a1):
    services.followup_plan_save(actor=therapist_a, patient=patient_a1, next_review_date=clinic_today(patient_a1.clinic))
    reminders_dispatch.delay()
    reminders_dispatch.delay()
    assert [m.to for m in mail.outbox] == [[therapist_a.email]]
    assert patient_a1.record_number in mail.outbox[0].subject
    assert patient_a1.last_name not in mail.outbox[0].body  # initials only in e-mail


def test_a_lapse_in_practice_nudges_the_patient_once(therapist_a, patient_a1):
    from tests.programs.helpers import active_program

    active_program(therapist_a, patient_a1, ["scalp-glide"], start=clinic_today(patient_a1.clinic) - timedelta(days=5))
    reminders_dispatch.delay()
    reminders_dispatch.delay()
    assert len(mail.outbox) == 1 and "practice" in mail.outbox[0].subject


def test_reminders_respect_the_plan_switch(therapist_a, patient_a1, visit_tomorrow):
    services.followup_plan_save(actor=therapist_a, patient=patient_a1, reminders_enabled=False)
    reminders_dispatch.delay()
    assert mail.outbox == []


def test_beat_runs_the_dispatch(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["therapy-reminders"]
    assert entry["task"] == reminders_dispatch.name
