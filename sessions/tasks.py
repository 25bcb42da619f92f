"""Celery discovers the therapy app's tasks here."""

from sessions.followup.tasks import reminder_send, reminders_dispatch  # noqa: F401
