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


def _stale_grading(patient, therapist, hours: float = 2.0) -> int:
    from patients.models import GradingRun

    evaluation = new_evaluation(patient, therapist, date(2026, 9, 10))
    run = GradingRun.objects.create(
        patient=patient, evaluation=evaluation, requested_by=therapist, method_version="test", status="queued"
    )
    GradingRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(hours=hours))
    return run.pk


def test_a_stale_grading_whose_message_still_waits_is_left_alone(db, settings, patient_a1, therapist_a):
    """The message, published by Celery itself on a queue of this test, is found in the broker."""
    import uuid

    import redis

    from clinic.celery import app
    from clinic.requeue import messages_in_broker, requeue_stale_work
    from patients.media.tasks import grade_run

    run_id = _stale_grading(patient_a1, therapist_a)
    queue = f"requeue-test-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        grade_run.apply_async(args=[run_id], queue=queue)
        assert client.llen(queue) == 1
        assert ("patients.media.grade_run", (run_id,)) in messages_in_broker()
        assert requeue_stale_work() == {}
        assert client.llen(queue) == 1  # nothing was added
    finally:
        app.conf.task_always_eager = eager
        client.delete(queue)
        client.close()


def test_a_lost_grading_is_sent_again_at_most_three_times(db, settings, patient_a1, therapist_a, caplog):
    from clinic.audit import audit_record
    from clinic.models import AuditEvent
    from clinic.requeue import requeue_stale_work
    from patients.models import GradingRun

    settings.CELERY_BROKER_URL = "memory://"  # nothing to look into: every stale row counts as lost
    run_id = _stale_grading(patient_a1, therapist_a)
    run = GradingRun.objects.get(pk=run_id)
    for _ in range(2):  # two earlier sweeps sent it already
        audit_record(actor=None, actor_label="queue sweep", action="grading.requeue", obj=run)
    sent = requeue_stale_work()
    assert sent == {"patients.media.tasks.grade_run": [run_id]}  # run eagerly here
    latest = AuditEvent.objects.filter(action="grading.requeue", object_id=str(run_id)).order_by("-pk").first()
    assert latest.extra == {"status": "queued", "attempt": 3}
    assert latest.clinic_id == patient_a1.clinic_id and latest.patient_id == patient_a1.pk

    GradingRun.objects.filter(pk=run_id).update(status="queued")  # lost once more
    with caplog.at_level("ERROR", logger="retrain.tasks"):
        assert requeue_stale_work() == {}
    assert any(r.getMessage() == "tasks.requeue_gave_up" for r in caplog.records)
    assert AuditEvent.objects.filter(action="grading.requeue", object_id=str(run_id)).count() == 3
