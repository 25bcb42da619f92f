"""Celery tasks of the patient record: thin, they call services."""

from __future__ import annotations

from celery import shared_task

from patients.questionnaires.services import questionnaire_reminders_send


@shared_task(name="patients.send_questionnaire_reminders", ignore_result=True, acks_late=True)
def send_questionnaire_reminders() -> int:
    """E-mail patients whose questionnaires are due before their visit (each at most once)."""
    return questionnaire_reminders_send()
