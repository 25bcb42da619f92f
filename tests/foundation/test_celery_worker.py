"""The Celery app runs tasks on a real worker process over Redis."""

from __future__ import annotations

import pytest

from tests.harness.servers import start_celery_worker, stop_process

pytestmark = pytest.mark.slow


def test_a_real_worker_answers_over_redis(transactional_db, process_log_dir, settings):
    from clinic.celery import app
    from clinic.tasks import ping

    if not settings.REDIS_URL:
        pytest.fail("this test needs REDIS_URL (the test command sets it)")
    worker = start_celery_worker(process_log_dir, name="ping")
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        assert ping.apply_async().get(timeout=60) == "pong"
    finally:
        app.conf.task_always_eager = previous
        stop_process(worker)


def test_long_task_settings(settings):
    from clinic.celery import app

    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit
    from clinic.tasks import ping

    assert hasattr(ping, "delay_on_commit")
