"""A Celery worker is killed (SIGKILL) in the middle of grading a photo set.

The broker is a private Redis of the test. The first worker stalls at a known stage of the grading
(after every photo's landmarks and overlay, before the measures and suggestions) and is killed
there: either the whole worker, as when its machine dies (the message stays unacknowledged and
Redis hands it out again after the visibility timeout, to a new worker), or only the pool process
running the task (the worker notices and, with reject_on_worker_lost, puts it back at once). Either
way the grading then finishes once: one run, one result per photo, one set of suggestions, one
"finished" audit entry, no stray overlay files.
"""

from __future__ import annotations

import json
import re
import time
from datetime import date
from pathlib import Path

import pytest

from tests.harness import servers
from tests.harness.faults import call_in_django, kill_during_task, wait_broker_empty, wait_until, worker_env
from tests.media.conftest import new_evaluation, standard_set, upload_set

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(420),
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]

VISIBILITY_TIMEOUT_S = 5


@pytest.fixture
def media_dir(settings, tmp_path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


def _run(run_id):
    from patients.models import GradingRun

    return GradingRun.objects.get(pk=run_id)


@pytest.mark.parametrize("kill", ["whole_worker", "pool_process"])
def test_a_grading_interrupted_by_a_killed_worker_finishes_once(
    kill,
    transactional_db,
    private_redis,
    celery_workers,
    media_dir,
    tmp_path,
    therapist_a,
    patient_a1,
    test_output_dir,
):
    from clinic.models import AuditEvent
    from patients.models import AssetGrading, GradingRun, GradingSuggestion

    evaluation = new_evaluation(patient_a1, therapist_a, date(2026, 9, 10))
    upload_set(evaluation, therapist_a, standard_set(0.8, "left"))
    hooks = tmp_path / "hooks"
    env = worker_env(
        broker_url=private_redis.url(),
        visibility_timeout=VISIBILITY_TIMEOUT_S,
        MEDIA_ROOT=str(media_dir),
        TASK_PHASE_HOOK="tests.faults.phase_hook.stall",
        PHASE_HOOK_DIR=str(hooks),
        PHASE_HOOK_STALL_STAGE="Calibrating",
    )
    # Queued by the service, as the page does, on the private broker.
    run_id = call_in_django(
        "tests.faults.in_test_db:grading_start",
        database_url=servers.test_database_url(),
        env={"CELERY_EAGER": "0", "REDIS_URL": private_redis.url(), "MEDIA_ROOT": str(media_dir)},
        actor=therapist_a.pk,
        evaluation=evaluation.pk,
    )
    broker = private_redis.client()
    assert broker.llen("celery") == 1

    first = celery_workers(env=env)
    wait_until(lambda: (hooks / f"stalled-{run_id}").exists(), timeout=180, what="the grading to reach the stall")
    stalled = _run(run_id)
    assert stalled.status == GradingRun.Status.RUNNING and stalled.stage.startswith("Calibrating")
    overlays_before = set(AssetGrading.objects.filter(run_id=run_id).values_list("overlay", flat=True))
    assert len(overlays_before) == 8 and "" not in overlays_before  # partial work is on disk
    killed_at = time.monotonic()
    worker = kill_during_task(first, kill, broker, lambda: celery_workers(env=env))
    wait_until(
        lambda: _run(run_id).status in (GradingRun.Status.DONE, GradingRun.Status.FAILED),
        timeout=240,
        what="the grading to finish after the kill",
    )
    finished_after_s = time.monotonic() - killed_at
    # A finished grading acknowledges its message; a copy restored meanwhile is run and does nothing.
    wait_broker_empty(broker, timeout=VISIBILITY_TIMEOUT_S * 6)

    run = _run(run_id)
    assert run.status == GradingRun.Status.DONE, run.error
    assert run.progress == 100
    assert GradingRun.objects.filter(evaluation=evaluation).count() == 1
    results = list(AssetGrading.objects.filter(run=run))
    assert len(results) == 8
    assert {r.status for r in results} == {AssetGrading.Status.MEASURED}
    suggestions = list(GradingSuggestion.objects.filter(run=run).values_list("scale", "item"))
    assert suggestions and len(suggestions) == len(set(suggestions))
    assert AuditEvent.objects.filter(action="grading.finish", object_id=str(run.pk)).count() == 1
    assert AuditEvent.objects.filter(action="grading.start", object_id=str(run.pk)).count() == 1
    # The overlays of the killed attempt were replaced, not left behind.
    overlays = {r.overlay.name for r in results}
    assert not overlays & overlays_before
    on_disk = {str(p.relative_to(media_dir)) for p in media_dir.rglob("*") if p.is_file()}
    assert overlays <= on_disk
    assert not overlays_before & on_disk

    task_ids = set(re.findall(r"Task patients\.media\.grade_run\[([^\]]+)\] received", first.log() + worker.log()))
    assert len(task_ids) == 1  # the same message, delivered again
    assert worker.count(r"Task patients\.media\.grade_run\[[^\]]+\] succeeded") >= 1
    if kill == "pool_process":
        assert "WorkerLostError" in first.log()
    figures = {
        "fault": f"celery worker SIGKILL during grading ({kill})",
        "visibility_timeout_s": VISIBILITY_TIMEOUT_S,
        "finished_after_kill_s": round(finished_after_s, 1),
        "runs": 1,
        "asset_results": len(results),
        "suggestions": len(suggestions),
        "finish_audits": 1,
    }
    (test_output_dir / f"fault-grading-{kill}.json").write_text(json.dumps(figures, indent=2))
