"""Which rows the sweep of lost work (clinic/requeue.py) sends again: a grading still queued past
``TASK_REQUEUE_QUEUED_AFTER_S``, or still running past the visibility timeout plus the task's hard
limit; never a fresh, a recently started or a finished one. (The whole loss-and-requeue path runs
with a real broker and worker in test_redis_restarted_with_tasks_queued.py.)"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from tests.media.conftest import new_evaluation


def test_the_sweep_picks_only_gradings_past_their_bounds(db, settings, patient_a1, therapist_a):
    from clinic.requeue import _stale
    from patients.media.tasks import grade_run
    from patients.models import GradingRun

    entry = next(e for e in settings.REQUEUE_STALE_WORK if e["model"] == "patients.GradingRun")
    evaluation = new_evaluation(patient_a1, therapist_a, date(2026, 9, 10))
    now = timezone.now()
    queued_bound = settings.TASK_REQUEUE_QUEUED_AFTER_S
    running_bound = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] + grade_run.time_limit + 60

    def run(status: str, queued_ago: float, started_ago: float | None = None) -> int:
        made = GradingRun.objects.create(
            patient=patient_a1, evaluation=evaluation, requested_by=therapist_a, method_version="test", status=status
        )
        started = None if started_ago is None else now - timedelta(seconds=started_ago)
        GradingRun.objects.filter(pk=made.pk).update(created_at=now - timedelta(seconds=queued_ago), started_at=started)
        return made.pk

    waiting = run("queued", queued_bound - 60)
    lost_queued = run("queued", queued_bound + 60)
    working = run("running", running_bound + 600, started_ago=running_bound - 60)
    lost_running = run("running", running_bound + 600, started_ago=running_bound + 60)
    finished = run("done", running_bound * 3, started_ago=running_bound * 2)
    failed = run("failed", running_bound * 3, started_ago=running_bound * 2)

    picked = {row.pk for row in _stale(entry, now)}
    assert picked == {lost_queued, lost_running}
    assert not picked & {waiting, working, finished, failed}


def test_the_sweep_runs_on_the_beat_schedule(settings):
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["clinic.requeue_stale_work"] <= timedelta(minutes=10)
    assert settings.TASK_REQUEUE_QUEUED_AFTER_S >= 15 * 60  # a busy queue is not mistaken for a lost message


def test_the_sweep_picks_only_videos_stuck_in_preparation(db, settings, patient_a1, therapist_a):
    from clinic.requeue import _stale
    from patients.media.tasks import prepare_video
    from patients.models import MediaAsset

    entry = next(e for e in settings.REQUEUE_STALE_WORK if e["model"] == "patients.MediaAsset")
    evaluation = new_evaluation(patient_a1, therapist_a, date(2026, 9, 10))
    now = timezone.now()
    bound = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] + prepare_video.time_limit + 60

    def video(view: str, state: str, uploaded_ago: float) -> int:
        made = MediaAsset.objects.create(
            patient=patient_a1, evaluation=evaluation, kind="video", view=view, state=state, file=f"v/{view}.mp4",
            content_type="video/mp4", size_bytes=1, sha256="0" * 64, width=640, height=480, uploaded_by=therapist_a,
        )  # fmt: skip
        MediaAsset.objects.filter(pk=made.pk).update(uploaded_at=now - timedelta(seconds=uploaded_ago))
        return made.pk

    being_prepared = video("rest", "preparing", bound - 60)
    lost = video("large_smile", "preparing", bound + 60)
    ready = video("pucker", "ready", bound * 3)
    failed = video("snarl", "failed", bound * 3)

    picked = {row.pk for row in _stale(entry, now)}
    assert picked == {lost}
    assert not picked & {being_prepared, ready, failed}
