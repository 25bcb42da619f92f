"""acks_late with Redis: an unacknowledged message is handed out again after the visibility timeout,
whether its worker died or is still working. So the timeout must outlast the longest task, or a live
grading would be started a second time on another worker."""

from __future__ import annotations

from django.conf import settings


def test_a_killed_worker_s_task_is_redelivered_and_never_a_running_one():
    from clinic.celery import app

    app.loader.import_default_modules()
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert "patients.media.grade_run" in ours
    longest = max(task.time_limit or settings.CELERY_TASK_TIME_LIMIT for task in ours.values())
    assert longest >= 1860  # the grading's own hard limit
    assert visibility > longest, f"visibility timeout {visibility}s is shorter than a task may run ({longest}s)"
