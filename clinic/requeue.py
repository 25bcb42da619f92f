"""Long work whose queue message was lost is queued again.

A grading, a session report or a video being prepared is one row in PostgreSQL and one Celery
message in Redis. Redis keeps its queue in an append-only file (docker-compose.yml), but a restart
without it, or a crash within the file's last second, loses messages; the row would then say
"queued" (or "running", when the message was taken by a worker that died) for ever, and the page
would wait on it.

A periodic sweep (``clinic.requeue_stale_work``, beat) sends the task again for a row that is

- still queued ``TASK_REQUEUE_QUEUED_AFTER_S`` after it was queued (the queue drains in minutes);
- still running (a video: still being prepared) after the visibility timeout plus the task's hard
  time limit: by then every delivery of it has been redelivered or killed.

The tasks are idempotent (a finished row is left alone, results are one per row), so a message that
was only slow and is now sent twice stores one result. A marker in the cache, which lives in the same
Redis as the queue, keeps one row from being sent again at every sweep while its new message waits;
when Redis loses the message it loses the marker too, and the next sweep sends it again.

Each app registers its work in ``settings.REQUEUE_STALE_WORK``: the model, the task (dotted path),
the row attribute passed to it, the audit action written when it is sent again, and how to tell the
row's phase: ``status_field`` (default ``status``), the values meaning ``queued`` (default
``["queued"]``, timed from ``queued_since``, default ``created_at``) and ``running`` (default
``["running"]``, timed from ``running_since``). Work that has no separate queued phase (a video
being prepared) lists its value under ``running`` only and ``queued: []``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.module_loading import import_string

from clinic.audit import audit_record

log = logging.getLogger("retrain.tasks")


def _stale(entry: dict, now: datetime) -> list:
    model = apps.get_model(entry["model"])
    field = entry.get("status_field", "status")
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    time_limit = import_string(entry["task"]).time_limit or settings.CELERY_TASK_TIME_LIMIT
    bounds = {
        "queued": (entry.get("queued_since", "created_at"), settings.TASK_REQUEUE_QUEUED_AFTER_S),
        "running": (entry["running_since"], visibility + time_limit + 60),
    }
    rows: list = []
    for phase, (since, seconds) in bounds.items():
        values = entry.get(phase, [phase])
        if values:
            filters = {f"{field}__in": values, f"{since}__lt": now - timedelta(seconds=seconds)}
            rows += list(model.objects.filter(**filters).order_by("pk"))
    return rows


def requeue_stale_work(now: datetime | None = None) -> dict[str, list[int]]:
    """Send again the task of every stale row; returns the arguments sent, per task."""
    now = now or timezone.now()
    sent: dict[str, list[int]] = {}
    for entry in settings.REQUEUE_STALE_WORK:
        for row in _stale(entry, now):
            marker = f"requeue:{entry['task']}:{row.pk}"
            status = getattr(row, entry.get("status_field", "status"))
            if not cache.add(marker, 1, timeout=settings.TASK_REQUEUE_QUEUED_AFTER_S):
                continue  # sent again recently; its message is still waiting
            argument = getattr(row, entry["argument"])
            import_string(entry["task"]).delay(argument)
            audit_record(
                actor=None,
                actor_label="queue sweep",
                action=entry["audit_action"],
                obj=row,
                extra={"status": status},
            )
            log.warning("tasks.requeued", extra={"task": entry["task"], "id": row.pk, "status": status})
            sent.setdefault(entry["task"], []).append(argument)
    return sent
