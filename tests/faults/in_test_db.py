"""Functions a fault test runs in a child process on its own test database, with the child's own
Celery configuration (so a task goes to a private broker, not run eagerly in the test)."""

from __future__ import annotations


def grading_start(*, actor: int, evaluation: int) -> int:
    from clinic.models import User
    from patients.media.services import grading_start as start
    from patients.models import Evaluation

    run = start(actor=User.objects.get(pk=actor), evaluation=Evaluation.objects.get(pk=evaluation))
    return run.pk


def biofeedback_end(*, actor: int, session: int) -> int:
    """End a biofeedback session as its page does: the report task is queued on the child's broker."""
    from clinic.models import User
    from sessions.biofeedback.services import biofeedback_session_end
    from sessions.models import BiofeedbackSession

    report = biofeedback_session_end(
        actor=User.objects.get(pk=actor), session=BiofeedbackSession.objects.get(pk=session)
    )
    return report.pk


def requeue_sweep(*, hours_later: float) -> dict:
    """Run the sweep of lost work as if ``hours_later`` hours had passed (tasks go to the child's broker)."""
    from datetime import timedelta

    from django.utils import timezone

    from clinic.requeue import requeue_stale_work

    return requeue_stale_work(now=timezone.now() + timedelta(hours=hours_later))
