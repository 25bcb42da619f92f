"""Long work whose queue message was lost is queued again.

A grading, a session report or a video being prepared is one row in PostgreSQL and one Celery
message in Redis. Redis keeps its queue in an append-only file (docker-compose.yml), but a restart
without it, or a crash within the file's last second, loses messages; the row would then say
"queued" (or "running", when the message was taken by a worker that died) for ever, and the page
would wait on it.

A periodic sweep (``clinic.requeue_stale_work``, beat) looks for rows that are

- still queued ``TASK_REQUEUE_QUEUED_AFTER_S`` after they were queued, or
- still running (a video: still being prepared) after the visibility timeout plus the task's hard
  time limit,

and sends the task again only for those whose message is in neither the broker's queue nor its
set of taken-but-unacknowledged messages: a long backlog, a task still running, or a message
waiting to be redelivered after its worker died is left alone. A row is sent again at most
``TASK_REQUEUE_MAX_ATTEMPTS`` times (counted in the audit trail), so work that dies every time (a
hard time limit) does not loop. The tasks are idempotent (a finished row is left alone).

Each app registers its work in ``settings.REQUEUE_STALE_WORK``: the model, the task (dotted path),
the row attribute passed to it, the audit action written when it is sent again, the object the
audit row names (``audit_object``, an attribute path, default the row) and the patient
(``patient``), and how to tell the row's phase: ``status_field`` (default ``status``), the values
meaning ``queued`` (default ``["queued"]``, timed from ``queued_since``, default ``created_at``)
and ``running`` (default ``["running"]``, timed from ``running_since``). Work that has no separate
queued phase (a video being prepared) lists its value under ``running`` only and ``queued: []``.
"""

from __future__ import annotations

import ast
import json
import logging
from datetime import datetime, timedelta
from operator import attrgetter

from django.apps import apps
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from clinic.audit import audit_record
from clinic.models import AuditEvent

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


def messages_in_broker() -> set[tuple[str, tuple]] | None:
    """``(task name, arguments)`` of every message waiting in the Redis broker's queue or taken and
    not yet acknowledged; None when the broker is not Redis (the embedded demo runs tasks eagerly)."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    import redis

    client = redis.Redis.from_url(url)
    try:
        raw = list(client.lrange(settings.CELERY_TASK_DEFAULT_QUEUE, 0, -1))
        raw += [json.loads(value)[0] for value in client.hvals("unacked")]
    finally:
        client.close()
    found = set()
    for message in raw:
        if isinstance(message, bytes | str):
            message = json.loads(message)
        headers = message.get("headers") or {}
        try:  # "(7,)" from .delay(7), "[7]" from apply_async(args=[7])
            args = ast.literal_eval(headers.get("argsrepr") or "()")
        except (ValueError, SyntaxError):
            continue
        found.add((headers.get("task", ""), tuple(args) if isinstance(args, list | tuple) else (args,)))
    return found


def requeue_stale_work(now: datetime | None = None) -> dict[str, list]:
    """Send again the task of every stale row whose message is gone; returns the arguments sent, per
    task (dotted path)."""
    now = now or timezone.now()
    in_broker = messages_in_broker()
    sent: dict[str, list] = {}
    for entry in settings.REQUEUE_STALE_WORK:
        task = import_string(entry["task"])
        for row in _stale(entry, now):
            argument = getattr(row, entry["argument"])
            if in_broker is not None and (task.name, (argument,)) in in_broker:
                continue  # waiting, running, or about to be redelivered
            audited = attrgetter(entry["audit_object"])(row) if entry.get("audit_object") else row
            attempts = AuditEvent.objects.filter(
                action=entry["audit_action"], object_type=audited._meta.model_name, object_id=str(audited.pk)
            ).count()
            status = getattr(row, entry.get("status_field", "status"))
            if attempts >= settings.TASK_REQUEUE_MAX_ATTEMPTS:
                log.error("tasks.requeue_gave_up", extra={"task": task.name, "id": row.pk, "attempts": attempts})
                continue
            task.delay(argument)
            patient = attrgetter(entry["patient"])(row)
            audit_record(
                actor=None,
                actor_label="queue sweep",
                action=entry["audit_action"],
                obj=audited,
                clinic=patient.clinic,
                patient_id=patient.pk,
                extra={"status": status, "attempt": attempts + 1},
            )
            log.warning("tasks.requeued", extra={"task": task.name, "id": row.pk, "status": status})
            sent.setdefault(entry["task"], []).append(argument)
    return sent
