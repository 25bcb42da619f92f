"""Celery tasks of follow-up: thin, they call reminders.py."""

from __future__ import annotations

from celery import shared_task

from sessions.followup import reminders


@shared_task(name="therapy.reminders_dispatch", ignore_result=True)
def reminders_dispatch() -> int:
    """Beat: record due reminders and queue each one ready to send."""
    ids = reminders.reminders_plan_due()
    for reminder_id in ids:
        reminder_send.delay(reminder_id)
    return len(ids)


@shared_task(name="therapy.reminder_send", ignore_result=True, acks_late=True)
def reminder_send(reminder_id: int) -> str:
    return reminders.reminder_send(reminder_id=reminder_id)
