"""Reminders with a real Celery worker and beat on Redis: each is sent once, even when the send task
runs several times or the worker is killed (SIGKILL) in the middle of it."""

from __future__ import annotations

import re
import signal
import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from sessions.followup import services
from sessions.models import Reminder
from sessions.programs.dates import clinic_today
from tests.followup.mailsink import sent_messages
from tests.harness.servers import child_env, start_celery_worker, stop_process

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")]


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def broker():
    """Start from an empty queue in this area's own Redis database."""
    import redis

    assert settings.REDIS_URL, "the reminder worker tests run on Redis: set REDIS_URL (scripts/test does)"
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("celery", "unacked", "unacked_index", "unacked_mutex")
    return client


class Worker:
    def __init__(self, log_dir, sink, **env):
        self.name = f"rem-{uuid.uuid4().hex[:8]}"
        self.log_path = log_dir / f"celery-{self.name}.log"
        base = dict(
            CELERY_EAGER="0",
            EMAIL_BACKEND="tests.followup.mailsink.RecordingBackend",
            MAIL_SINK_DIR=str(sink),
            TASK_PHASE_HOOK="tests.faults.phase_hook.stall",
            PHASE_HOOK_DIR=str(sink),
            REMINDER_DISPATCH_SECONDS="1",
            CELERY_VISIBILITY_TIMEOUT="4",
            CELERY_UNACKED_RESTORE_INTERVAL="1",
            CELERY_UNACKED_RESTORE_THROTTLE="1",
            CELERY_TIME_LIMIT="5",
            CELERY_SOFT_TIME_LIMIT="4",
            REMINDER_CLAIM_LEASE_SECONDS="6",
        )
        base.update(env)
        self.proc = start_celery_worker(log_dir, name=self.name, env=child_env(**base), beat=True, concurrency=2)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def count(self, pattern: str) -> int:
        return len(re.findall(pattern, self.log()))

    def stop(self, sig=signal.SIGTERM) -> None:
        stop_process(self.proc, sig)


DISPATCHED = r"Task therapy\.reminders_dispatch\[[^\]]+\] succeeded"
SENT_DONE = r"Task therapy\.reminder_send\[[^\]]+\] succeeded"


def _visit_tomorrow(therapist, patient):
    return services.appointment_create(
        actor=therapist, patient=patient, starts_at=timezone.now() + timedelta(hours=20), location="Room A"
    )


def test_beat_sends_each_due_reminder_once(
    transactional_db, broker, process_log_dir, tmp_path, therapist_a, therapist_a2, patient_a1, patient_a2
):
    from clinic.celery import app

    _visit_tomorrow(therapist_a, patient_a1)
    _visit_tomorrow(therapist_a2, patient_a2)
    services.followup_plan_save(actor=therapist_a, patient=patient_a1, next_review_date=clinic_today(patient_a1.clinic))
    sink = tmp_path / "mail"
    worker = Worker(process_log_dir, sink)
    try:
        wait_for(lambda: len(sent_messages(sink)) >= 3, timeout=90, what="three reminders")
        assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}
        # Run the send task again for every reminder (twice), and let beat dispatch several more times.
        for reminder_id in Reminder.objects.values_list("pk", flat=True):
            app.send_task("therapy.reminder_send", args=[reminder_id])
            app.send_task("therapy.reminder_send", args=[reminder_id])
        dispatched = worker.count(DISPATCHED)
        wait_for(lambda: worker.count(DISPATCHED) >= dispatched + 4, timeout=60, what="more beat dispatches")
        wait_for(lambda: worker.count(r"'not claimable: sent'") >= 6, timeout=60, what="the repeated sends")
    finally:
        worker.stop()
    messages = sent_messages(sink)
    assert len(messages) == 3, worker.log()[-3000:]
    recipients = sorted(re.search(r"^To: (.+)$", m, re.M).group(1) for m in messages)
    assert recipients == sorted([patient_a1.user.email, patient_a2.user.email, therapist_a.email])


def test_a_worker_killed_while_handing_the_mail_over_never_sends_it_again(
    transactional_db, broker, process_log_dir, tmp_path, therapist_a, patient_a1
):
    _visit_tomorrow(therapist_a, patient_a1)
    sink = tmp_path / "mail"
    first = Worker(process_log_dir, sink, MAIL_SINK_SLEEP_AFTER="60")
    try:
        # The mail server has the message; the worker has not recorded "sent" yet.
        wait_for(lambda: len(sent_messages(sink)) == 1, timeout=90, what="the message handed over")
        wait_for(lambda: (sink / ".slept").exists(), timeout=10, what="the backend to stall")
    finally:
        first.stop(signal.SIGKILL)
    reminder = Reminder.objects.get()
    assert reminder.state == Reminder.State.SENDING
    second = Worker(process_log_dir, sink)
    try:
        # acks_late: the broker redelivers the killed task to the new worker, which must not send again.
        wait_for(lambda: second.count(r"'not claimable: sending'") >= 1, timeout=120, what="the redelivered send task")
        dispatched = second.count(DISPATCHED)
        wait_for(lambda: second.count(DISPATCHED) >= dispatched + 3, timeout=60, what="more beat dispatches")
    finally:
        second.stop()
    assert len(sent_messages(sink)) == 1
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.SENDING  # unconfirmed, shown as such; never re-sent


def test_a_worker_killed_after_claiming_sends_it_once_after_the_lease(
    transactional_db, broker, process_log_dir, tmp_path, therapist_a, patient_a1
):
    _visit_tomorrow(therapist_a, patient_a1)
    sink = tmp_path / "mail"
    first = Worker(process_log_dir, sink, PHASE_HOOK_STALL_STAGE="claimed", PHASE_HOOK_STALL_SECONDS="60")
    try:
        wait_for(lambda: list(sink.glob("stalled-*")), timeout=90, what="the claim")
    finally:
        first.stop(signal.SIGKILL)
    reminder = Reminder.objects.get()
    assert reminder.state == Reminder.State.CLAIMED and sent_messages(sink) == []
    second = Worker(process_log_dir, sink)
    try:
        wait_for(lambda: len(sent_messages(sink)) == 1, timeout=120, what="the reminder sent after the lease")
        # The broker redelivers the killed task too (acks_late); that attempt is refused, whether it comes
        # before the lease ran out ("claimed") or after the re-dispatched task sent it ("sent").
        wait_for(
            lambda: second.count(r"'not claimable: (claimed|sent)'") >= 1,
            timeout=120,
            what="the redelivered, refused attempt",
        )
        dispatched = second.count(DISPATCHED)
        wait_for(lambda: second.count(DISPATCHED) >= dispatched + 3, timeout=60, what="more beat dispatches")
    finally:
        second.stop()
    assert len(sent_messages(sink)) == 1
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.SENT and reminder.attempts == 2
