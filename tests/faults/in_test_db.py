"""Functions a fault test runs in a child process on its own test database, with the child's own
Celery configuration (so a task goes to a private broker, not run eagerly in the test)."""

from __future__ import annotations


def grading_start(*, actor: int, evaluation: int) -> int:
    from clinic.models import User
    from patients.media.services import grading_start as start
    from patients.models import Evaluation

    run = start(actor=User.objects.get(pk=actor), evaluation=Evaluation.objects.get(pk=evaluation))
    return run.pk
