"""Redis, which holds Celery's queue, is killed and restarted while a session report waits in it.

With an append-only file, fsync every second (as docker-compose.yml runs it): a therapist ends a
biofeedback session (the report is queued on the private broker), no worker is running yet, and
Redis is killed with SIGKILL more than a second later and started again. The queued message is still
there, and the worker started afterwards stores the report once.

Without it (Redis restarted empty): the message is lost, and the sweep of lost work
(``clinic/requeue.py``) queues the report again, once per loss, and it is stored once.
"""

from __future__ import annotations

import json
import signal
import time

import pytest

from tests.biofeedback.conftest import _fresh_live_cache, device, start_session  # noqa: F401 - fixtures
from tests.harness import servers
from tests.harness.faults import call_in_django, wait_broker_empty, wait_until, worker_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def _report(session_id: int):
    from django.db import connection

    from sessions.models import SessionReport

    connection.close()
    return SessionReport.objects.filter(session_id=session_id).first()


def test_a_queued_report_survives_a_redis_restart(
    device,  # noqa: F811 - the fixture imported above
    start_session,  # noqa: F811
    therapist_a,
    private_redis_aof,
    celery_workers,
    test_output_dir,
):
    from clinic.models import AuditEvent
    from sessions.models import SessionReport

    redis = private_redis_aof
    session = start_session(device.chair, protocol="symmetry")
    call_in_django(
        "tests.faults.in_test_db:biofeedback_end",
        database_url=servers.test_database_url(),
        env={"CELERY_EAGER": "0", "REDIS_URL": redis.url()},
        actor=therapist_a.pk,
        session=session.pk,
    )
    broker = redis.client()
    assert broker.llen("celery") == 1
    assert _report(session.pk).status == SessionReport.Status.QUEUED
    time.sleep(1.5)  # past the append-only file's fsync (every second)

    redis.restart(sig=signal.SIGKILL, down_for=1.0)
    broker = redis.client()
    assert broker.llen("celery") == 1  # the queued report came back with Redis

    celery_workers(env=worker_env(broker_url=redis.url()))
    wait_until(lambda: _report(session.pk).status == SessionReport.Status.DONE, timeout=120, what="the queued report")
    wait_broker_empty(broker, timeout=30)
    report = _report(session.pk)
    assert SessionReport.objects.filter(session_id=session.pk).count() == 1
    assert report.runs == 1 and report.summary == {"note": "No trial was recorded in this session."}
    assert AuditEvent.objects.filter(action="biofeedback.report", object_id=str(session.pk)).count() == 1
    figures = {
        "fault": "redis SIGKILL + restart (append-only file) with a report queued",
        "queued_messages_before": 1,
        "queued_messages_after_restart": 1,
        "reports_stored": 1,
        "runs": report.runs,
    }
    (test_output_dir / "fault-redis-restart-queued.json").write_text(json.dumps(figures, indent=2))


def test_a_report_lost_with_redis_is_queued_again_by_the_sweep(
    device,  # noqa: F811 - the fixture imported above
    start_session,  # noqa: F811
    therapist_a,
    private_redis,
    celery_workers,
    test_output_dir,
):
    from clinic.models import AuditEvent
    from sessions.models import SessionReport

    child = {"CELERY_EAGER": "0", "REDIS_URL": private_redis.url()}
    session = start_session(device.chair, protocol="symmetry")

    def in_child(target: str, **kwargs):
        return call_in_django(target, database_url=servers.test_database_url(), env=child, **kwargs)

    def sweep(hours_later: float) -> dict:
        return in_child("tests.faults.in_test_db:requeue_sweep", hours_later=hours_later)

    in_child("tests.faults.in_test_db:biofeedback_end", actor=therapist_a.pk, session=session.pk)
    assert private_redis.client().llen("celery") == 1
    assert sweep(0) == {}  # just queued: nothing is stale

    private_redis.restart(sig=signal.SIGKILL)
    assert private_redis.client().llen("celery") == 0  # the message went with Redis
    assert _report(session.pk).status == SessionReport.Status.QUEUED  # the row waits for it

    task = "sessions.biofeedback.tasks.session_report"
    assert sweep(1) == {task: [session.pk]}  # an hour later the sweep queues it again
    assert sweep(1.5) == {}  # its new message waits: not sent twice
    assert private_redis.client().llen("celery") == 1

    private_redis.restart(sig=signal.SIGKILL)  # lost again, with the sweep's marker
    assert sweep(2) == {task: [session.pk]}
    broker = private_redis.client()
    assert broker.llen("celery") == 1

    celery_workers(env=worker_env(broker_url=private_redis.url()))
    wait_until(lambda: _report(session.pk).status == SessionReport.Status.DONE, timeout=120, what="the queued report")
    wait_broker_empty(broker, timeout=30)
    report = _report(session.pk)
    assert SessionReport.objects.filter(session_id=session.pk).count() == 1 and report.runs == 1
    audits = AuditEvent.objects.filter(object_id=str(session.pk))
    assert audits.filter(action="biofeedback.report").count() == 1
    assert audits.filter(action="biofeedback.report_requeue").count() == 2
    assert sweep(3) == {}  # done: never sent again
    figures = {
        "fault": "redis SIGKILL + restart without persistence, twice, with a report queued",
        "messages_lost": 2,
        "requeued_by_sweep": 2,
        "reports_stored": 1,
        "runs": report.runs,
    }
    (test_output_dir / "fault-redis-restart-requeue.json").write_text(json.dumps(figures, indent=2))
