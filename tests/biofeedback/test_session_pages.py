"""The session workflow over HTTP: starting from the patient's tab, the JSON endpoints of the live
page, who may open what, and the session's place in the patient record (tab, timeline, progress)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone


@pytest.fixture
def chair(clinic_a):
    from clinic.models import Chair

    return Chair.objects.create(clinic=clinic_a, name="Chair 1")


def _start_form(chair, **overrides) -> dict:
    data = {
        "chair": chair.pk,
        "protocol": "symmetry",
        "muscle_1": "zygomaticus_major",
        "side_1": "left",
        "muscle_2": "zygomaticus_major",
        "side_2": "right",
        "target_channel": 0,
        "threshold_pct": "",
        "ceiling_pct": "",
    }
    data.update(overrides)
    return data


def test_a_therapist_starts_a_session_from_the_patients_tab(client_of, therapist_a, patient_a1, chair):
    from clinic.models import AuditEvent
    from sessions.models import BiofeedbackSession

    client = client_of(therapist_a)
    url = reverse("therapy:patient-biofeedback", args=[patient_a1.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"Start an EMG biofeedback session" in page.content
    response = client.post(url, _start_form(chair))
    session = BiofeedbackSession.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "therapy:biofeedback-session", args=[session.pk]
    )
    assert session.roles == {"affected": 0, "healthy": 1} and session.threshold_pct == 80.0
    assert session.sites == [
        {"muscle": "zygomaticus_major", "side": "left"},
        {"muscle": "zygomaticus_major", "side": "right"},
    ]
    assert AuditEvent.objects.filter(action="biofeedback.start", patient_id=patient_a1.pk).exists()
    live = client.get(response["Location"])
    assert live.status_code == 200 and f'data-ws="/ws/biofeedback/{session.pk}/"'.encode() in live.content
    # The chair is busy now: a second session there is refused with a reason.
    again = client.post(url, _start_form(chair))
    assert again.status_code == 200 and b"already has a session running" in again.content
    # Symmetry needs the same muscle on both sides.
    other = client.post(url, _start_form(chair, muscle_2="frontalis"))
    assert b"same muscle on both sides" in other.content


def test_calibration_and_trials_need_the_chair_to_stream(client_of, therapist_a, patient_a1, chair):
    from sessions.biofeedback.services import biofeedback_session_start

    session = biofeedback_session_start(
        actor=therapist_a,
        patient=patient_a1,
        chair=chair,
        protocol="uptraining",
        sites=[{"muscle": "zygomaticus_major", "side": "left"}, {"muscle": "frontalis", "side": "left"}],
    )
    client = client_of(therapist_a)
    response = client.post(
        reverse("therapy:biofeedback-calibrate", args=[session.pk]),
        {"kind": "rest", "seconds": "5"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_recording"
    assert set(response.json()["error"]) == {"status", "code", "message", "fields"}
    trial = client.post(
        reverse("therapy:biofeedback-trial-start", args=[session.pk]),
        {"prompt": "", "duration_s": 5},
        content_type="application/json",
    )
    assert trial.status_code == 400 and trial.json()["error"]["fields"] == {
        "prompt": [trial.json()["error"]["message"]]
    }


def test_sessions_are_out_of_reach_of_patients_and_other_clinics(
    client, client_of, therapist_a, therapist_b, patient_a1, chair
):
    from clinic.models import AuditEvent
    from sessions.biofeedback.services import biofeedback_session_start
    from tests.harness.people import make_user

    session = biofeedback_session_start(
        actor=therapist_a,
        patient=patient_a1,
        chair=chair,
        protocol="symmetry",
        sites=[{"muscle": "frontalis", "side": "left"}, {"muscle": "frontalis", "side": "right"}],
    )
    url = reverse("therapy:biofeedback-session", args=[session.pk])
    assert client_of(therapist_b).get(url).status_code == 404
    assert AuditEvent.objects.filter(action="biofeedback.view", outcome="denied", actor=therapist_b).exists()
    client.logout()
    client.force_login(patient_a1.user)
    assert client.get(url).status_code == 403
    assert client.get(reverse("therapy:biofeedback-screen", args=[session.pk])).status_code == 403
    admin = make_user(patient_a1.clinic, "ada.admin@a.test", "admin")
    client.force_login(admin)
    assert client.get(reverse("therapy:biofeedback-report", args=[session.pk])).status_code == 403


def test_a_reported_session_sits_in_the_patients_record(client_of, therapist_a, patient_a1, chair):
    from sessions.biofeedback.services import biofeedback_session_start
    from sessions.models import BiofeedbackSession, SessionReport

    for index, symmetry in enumerate((0.42, 0.61)):
        session = biofeedback_session_start(
            actor=therapist_a,
            patient=patient_a1,
            chair=chair,
            protocol="symmetry",
            sites=[{"muscle": "zygomaticus_major", "side": "left"}, {"muscle": "zygomaticus_major", "side": "right"}],
        )
        BiofeedbackSession.objects.filter(pk=session.pk).update(
            ended_at=timezone.now(),
            status="ended",
            started_at=timezone.now() - timezone.timedelta(days=14 * (1 - index)),
        )
        SessionReport.objects.create(
            session=session,
            status="done",
            progress=100,
            summary={"symmetry_index": symmetry, "coactivation_ratio": None},
        )
    client = client_of(therapist_a)
    tabs = client.get(reverse("patients:detail", args=[patient_a1.pk])).content.decode()
    assert "EMG sessions" in tabs
    timeline = client.get(reverse("patients:timeline", args=[patient_a1.pk])).content.decode()
    assert "EMG biofeedback: symmetry training" in timeline and "symmetry index 0.61" in timeline
    progress = client.get(reverse("patients:progress", args=[patient_a1.pk])).content.decode()
    assert "EMG symmetry index (affected / healthy)" in progress
    report = client.get(reverse("therapy:biofeedback-report", args=[session.pk])).content.decode()
    assert "Compared with previous sessions" in report and 'data-series="emg_symmetry_index"' in report
    status = client.get(reverse("therapy:biofeedback-report-status", args=[session.pk])).json()
    assert status == {"status": "done", "progress": 100, "error": ""}


def test_the_demo_seeds_one_open_session_at_the_simulated_chair(db, settings, tmp_path):
    from clinic.demo import seed_people
    from sessions.biofeedback.demo import seed_biofeedback_session
    from sessions.models import BiofeedbackSession

    settings.VAR_DIR = tmp_path
    demo = seed_people()
    seed_biofeedback_session(demo)
    seed_biofeedback_session(demo)  # idempotent
    session = BiofeedbackSession.objects.get()
    assert session.chair == demo.chair and session.patient.record_number == "RT-1001" and session.is_open
    assert session.protocol == "inhibition" and session.roles == {"target": 0, "inhibit": 1}
