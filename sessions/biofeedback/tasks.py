"""Celery task of the biofeedback sessions: thin, it calls the report service.

acks_late (the project default) with a unique report row per session: a task redelivered after a
worker died, or queued twice, stores the report once.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="therapy.biofeedback_report", acks_late=True, soft_time_limit=600, time_limit=660)
def session_report(session_id: int) -> str:
    from sessions.biofeedback.report import report_run

    return report_run(session_id=session_id).status
