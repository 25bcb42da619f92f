"""A Celery worker is killed (SIGKILL) while it computes the report of an EMG biofeedback session.

A real simulated chair streams a scripted recording through the ASGI server; the therapist runs two
trials and ends the session, which queues the report on a private Redis broker. The first worker
stalls once the report is under way (row RUNNING, progress stored, message taken but not
acknowledged) and is killed there: the whole worker (the message comes back after the visibility
timeout, to a new worker) or only its pool process (rejected at once, taken again). Either way the
report is then stored once: one row, computed to the end on the second run, one audit entry.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.biofeedback.conftest import _fresh_live_cache, device, start_session  # noqa: F401 - fixtures
from tests.biofeedback.scripts import REPORT_SCRIPT
from tests.edge_agent.agents import write_config
from tests.edge_agent.processes import start_agent
from tests.harness import servers
from tests.harness.faults import call_in_django, kill_during_task, wait_broker_empty, wait_until, worker_env
from tests.harness.servers import stop_process

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

VISIBILITY_TIMEOUT_S = 5
FS = 2000
TASK = r"therapy\.biofeedback_report"


def _report(session_id: int):
    from django.db import connection

    from sessions.models import SessionReport

    connection.close()
    return SessionReport.objects.filter(session_id=session_id).first()


def _complete_recording(chair):
    from django.db import connection

    from sessions.models import Recording

    connection.close()
    recording = Recording.objects.filter(chair=chair, windows_expected__isnull=False).first()
    return recording if recording is not None and recording.is_complete else None


@pytest.mark.parametrize("kill", ["whole_worker", "pool_process"])
def test_a_report_interrupted_by_a_killed_worker_is_stored_once(
    kill,
    asgi_server,
    device,  # noqa: F811 - the fixture imported above
    start_session,  # noqa: F811
    therapist_a,
    private_redis,
    celery_workers,
    tmp_path,
    process_log_dir,
    test_output_dir,
):
    from clinic.models import AuditEvent
    from sessions.biofeedback import services
    from sessions.models import SessionReport

    session = start_session(device.chair, protocol="symmetry", threshold_pct=80)
    config = write_config(tmp_path, url=asgi_server.ws_url, token=device.token, seed=11, extra_sim=REPORT_SCRIPT)
    agent = start_agent(config, process_log_dir, f"report-kill-{kill}")
    try:
        recording = wait_until(lambda: _complete_recording(device.chair), timeout=120, what="the scripted recording")
    finally:
        stop_process(agent)
    session.refresh_from_db()
    assert session.recording_id == recording.id
    for start, stop in ((6.5, 10.5), (11.5, 15.5)):  # equal smiles, then the left at half the right
        trial = services.biofeedback_trial_start(
            actor=therapist_a, session=session, prompt="Smile", emotional_cue="", duration_s=stop - start,
            sample_start=int(start * FS),
        )  # fmt: skip
        services.biofeedback_trial_stop(actor=therapist_a, trial=trial, sample_stop=int(stop * FS))

    hooks = tmp_path / "hooks"
    env = worker_env(
        broker_url=private_redis.url(),
        visibility_timeout=VISIBILITY_TIMEOUT_S,
        TASK_PHASE_HOOK="tests.faults.phase_hook.stall",
        PHASE_HOOK_DIR=str(hooks),
        PHASE_HOOK_STALL_STAGE="Summarising",
    )
    # Ended as the page does, in a process whose Celery sends to the private broker.
    report_id = call_in_django(
        "tests.faults.in_test_db:biofeedback_end",
        database_url=servers.test_database_url(),
        env={"CELERY_EAGER": "0", "REDIS_URL": private_redis.url()},
        actor=therapist_a.pk,
        session=session.pk,
    )
    broker = private_redis.client()
    assert broker.llen("celery") == 1
    assert _report(session.pk).status == SessionReport.Status.QUEUED

    first = celery_workers(env=env)
    wait_until(lambda: (hooks / f"stalled-{session.pk}").exists(), timeout=120, what="the report to reach the stall")
    stalled = _report(session.pk)
    assert (stalled.pk, stalled.status, stalled.runs, stalled.progress) == (
        report_id, SessionReport.Status.RUNNING, 1, 10,
    )  # fmt: skip
    killed_at = time.monotonic()
    worker = kill_during_task(first, kill, broker, lambda: celery_workers(env=env))
    wait_until(
        lambda: _report(session.pk).status in (SessionReport.Status.DONE, SessionReport.Status.FAILED),
        timeout=180,
        what="the report to finish after the kill",
    )
    finished_after_s = time.monotonic() - killed_at
    wait_broker_empty(broker, timeout=VISIBILITY_TIMEOUT_S * 6)

    report = _report(session.pk)
    assert report.status == SessionReport.Status.DONE, report.error
    assert SessionReport.objects.filter(session_id=session.pk).count() == 1
    assert report.pk == report_id and report.runs == 2 and report.progress == 100
    assert [t["number"] for t in report.trials] == [1, 2]
    ratios = [t["summary"]["symmetry_index"] for t in report.trials]
    assert abs(ratios[0] - 1.0) <= 0.1 and abs(ratios[1] - 0.5) <= 0.05, ratios
    assert report.envelope_svg.count("Trial ") == 2
    audits = AuditEvent.objects.filter(action="biofeedback.report", object_id=str(session.pk))
    assert audits.count() == 1 and audits.get().extra == {"trials": 2}

    received = set(re.findall(TASK + r"\[([^\]]+)\] received", first.log() + worker.log()))
    assert len(received) == 1  # the same message, delivered again
    assert worker.count(TASK + r"\[[^\]]+\] succeeded") == 1
    if kill == "pool_process":
        assert "WorkerLostError" in first.log()
    figures = {
        "fault": f"celery worker SIGKILL during a session report ({kill})",
        "visibility_timeout_s": VISIBILITY_TIMEOUT_S,
        "finished_after_kill_s": round(finished_after_s, 1),
        "report_rows": 1,
        "runs": report.runs,
        "trials": len(report.trials),
        "report_audits": 1,
    }
    (test_output_dir / f"fault-report-{kill}.json").write_text(json.dumps(figures, indent=2))
