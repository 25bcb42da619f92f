"""The demo's earlier EMG sessions: recordings of the simulated chair stored as ingest stores them,
reports computed by the report service, and a trend a newcomer can read on the report page."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.django_db


def test_the_demo_holds_three_reported_sessions_that_improve(settings, tmp_path, client):
    from clinic.demo import seed_people
    from sessions.biofeedback.demo import (
        DEMO_CALIBRATION,
        PAST_SESSIONS,
        _simulated_recording,
        seed_past_biofeedback_sessions,
    )
    from sessions.ingest.demo import seed_demo_agent
    from sessions.ingest.selectors import recording_gaps, recording_samples
    from sessions.models import BiofeedbackSession, SessionReport

    settings.VAR_DIR = tmp_path
    demo = seed_people()
    seed_demo_agent(demo)
    seed_past_biofeedback_sessions(demo)
    seed_past_biofeedback_sessions(demo)  # a second seeding adds nothing

    sessions = list(BiofeedbackSession.objects.filter(ended_at__isnull=False).order_by("started_at"))
    assert len(sessions) == len(PAST_SESSIONS) == 3
    reports = [SessionReport.objects.get(session=s) for s in sessions]
    assert {r.status for r in reports} == {SessionReport.Status.DONE}
    assert [len(r.trials) for r in reports] == [4, 4, 4]

    # Co-activation follows the script: the eye's level over the smile's, each over its calibration
    # maximum (the report's definition), within 10 % plus 0.05: the rest activity and noise (3-4 µV,
    # also in the trial's lead-in and lead-out) weigh more on the eye's smaller signal.
    maximum = DEMO_CALIBRATION["maximum"]
    coactivation = [r.summary["coactivation_ratio"] for r in reports]
    for value, spec in zip(coactivation, PAST_SESSIONS, strict=True):
        expected = spec["eye_ratio"] * maximum[0] / maximum[1]
        assert abs(value - expected) <= 0.1 * expected + 0.05, (value, expected)
    assert coactivation[0] > coactivation[1] > coactivation[2]
    zone = [r.summary["time_in_zone_fraction"] for r in reports]
    assert zone[0] < 0.2 and zone[2] > 0.6, zone
    latency = [r.summary["onset_latency_s"] for r in reports]
    assert all(0.04 <= value <= 0.12 for value in latency), latency  # the eye 60 ms after the smile

    # Each recording is complete and holds exactly what the simulated chair generated.
    for session, spec in zip(sessions, PAST_SESSIONS, strict=True):
        recording = session.recording
        assert recording.is_complete and recording_gaps(recording) == []
        driver, _ = _simulated_recording(seed=spec["seed"], smile=spec["smile"], eye_ratio=spec["eye_ratio"])
        expected = driver.generate(recording.id, 0, recording.samples_expected).astype(np.float32) * np.float32(
            driver.scale_uv
        )
        assert np.array_equal(recording_samples(recording).samples, expected)

    # The last report shows the trend over the three sessions.
    client.force_login(demo.therapists[0])
    response = client.get(f"/therapy/biofeedback/{sessions[-1].pk}/report/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Compared with previous sessions" in page and page.count('class="chart-legend"') == 2
    assert "The trend appears once" not in page
