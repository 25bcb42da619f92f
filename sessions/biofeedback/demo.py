"""Demo seeder: an open inhibition session for Jordan Avery at the simulated chair.

The demo agent (sessions/ingest/demo.py) streams a scripted practice on Chair 1: zygomaticus and
orbicularis oculi on the left, rest, smiles, a smile with synkinetic eye closure. With this session
open, a newcomer signed in as maya@lakeside.demo opens Jordan's "EMG sessions" tab (or the link on
the console output) and sees live traces within seconds. The seeded calibration matches the
simulated chair's levels so the threshold, ceiling and alert work at once; "Calibration" on the
live page measures a real one.
"""

from __future__ import annotations

from django.db import transaction

from sessions.models import BiofeedbackSession

DEMO_CALIBRATION = {"rest": [3.5, 3.5], "maximum": [100.0, 85.0]}


def seed_biofeedback_session(demo) -> None:
    from patients.models import Patient

    if demo.chair is None:
        return
    patient = Patient.objects.filter(clinic=demo.clinic, record_number="RT-1001").first()
    if patient is None or BiofeedbackSession.objects.filter(chair=demo.chair, ended_at__isnull=True).exists():
        return
    BiofeedbackSession.objects.create(
        clinic=demo.clinic,
        patient=patient,
        chair=demo.chair,
        therapist=demo.therapists[0],
        protocol=BiofeedbackSession.Protocol.INHIBITION,
        status=BiofeedbackSession.Status.TRAINING,
        sites=[
            {"muscle": "zygomaticus_major", "side": "left"},
            {"muscle": "orbicularis_oculi", "side": "left"},
        ],
        roles={"target": 0, "inhibit": 1},
        threshold_pct=40.0,
        ceiling_pct=30.0,
        calibration=DEMO_CALIBRATION,
    )


# Three earlier sessions of the same practice, a fortnight apart: the smile grows stronger and the
# eye joins it less (0.7 → 0.45 → 0.22 of the smile's level), so the report's trend shows it and the
# last session spends most of each smile in the zone (smile over 40 %, eye under the 30 % ceiling).
PAST_SESSIONS = [
    {"days_ago": 31, "smile": 0.4, "eye_ratio": 0.7, "seed": 101},
    {"days_ago": 17, "smile": 0.45, "eye_ratio": 0.45, "seed": 102},
    {"days_ago": 3, "smile": 0.5, "eye_ratio": 0.22, "seed": 103},
]
TRIAL_S = 4.0  # the smile itself
LEAD_IN_S = 0.6  # a trial starts on the therapist's cue, the patient moves a moment later
LEAD_OUT_S = 0.4
REST_S = 2.0
TRIALS = 4
DEMO_SITES = [
    {"muscle": "zygomaticus_major", "side": "left"},
    {"muscle": "orbicularis_oculi", "side": "left"},
]
DEMO_CHANNELS = [
    {"label": "Zygomaticus L", "muscle": "zygomaticus_major", "side": "left"},
    {"label": "Orbicularis oculi L", "muscle": "orbicularis_oculi", "side": "left"},
]


def _simulated_recording(*, seed: int, smile: float, eye_ratio: float):
    """The simulated chair's signal for one session: rest, then smiles with the eye joining in."""
    from edge_agent.config import parse
    from edge_agent.drivers.simulated import SimulatedDriver

    script = [{"seconds": REST_S, "state": "rest"}]
    for _ in range(TRIALS):
        script.append(
            {"seconds": TRIAL_S, "state": "synkinesis", "target": 0, "synkinetic": 1, "level": smile,
             "ratio": eye_ratio, "delay_ms": 60}
        )  # fmt: skip
        script.append({"seconds": REST_S, "state": "rest"})
    config = parse(
        {
            "server": {"url": "ws://127.0.0.1/ws/device/", "token_file": "unused"},
            "device": {"driver": "simulated", "sampling_rate": 2000, "window_ms": 50},
            "channels": DEMO_CHANNELS,
            "driver": {"simulated": {"seed": seed, "loop": False, "script": script}},
        }
    )
    return SimulatedDriver(config), config


@transaction.atomic
def seed_past_biofeedback_sessions(demo) -> None:
    """Jordan Avery's earlier inhibition sessions, stored as recordings with their reports."""
    import uuid
    from datetime import timedelta

    from django.utils import timezone

    from edge_agent.codec import DTYPE_INT16, array_to_payload
    from patients.models import Patient
    from sessions.biofeedback.report import report_run
    from sessions.models import BiofeedbackTrial, Recording, RecordingWindow, SessionReport

    if demo.chair is None:
        return
    patient = Patient.objects.filter(clinic=demo.clinic, record_number="RT-1001").first()
    if patient is None or BiofeedbackSession.objects.filter(patient=patient, ended_at__isnull=False).exists():
        return
    therapist = demo.therapists[0]
    for spec in PAST_SESSIONS:
        driver, config = _simulated_recording(seed=spec["seed"], smile=spec["smile"], eye_ratio=spec["eye_ratio"])
        fs, window = config.sampling_rate, config.window_samples
        total = int((REST_S + TRIALS * (TRIAL_S + REST_S)) * fs)
        recording_id = uuid.uuid5(uuid.NAMESPACE_URL, f"retrain-demo/{demo.clinic.slug}/biofeedback/{spec['seed']}")
        counts = driver.generate(recording_id, 0, total)
        day = timezone.now() - timedelta(days=spec["days_ago"])
        started = day.replace(hour=10, minute=0, second=0, microsecond=0)
        windows = total // window
        ended = started + timedelta(seconds=total / fs)
        payloads = [array_to_payload(counts[:, i * window : (i + 1) * window], DTYPE_INT16) for i in range(windows)]
        recording = Recording.objects.create(
            id=recording_id, clinic=demo.clinic, device=demo.device, chair=demo.chair, sampling_rate_hz=fs,
            channel_count=len(DEMO_CHANNELS), channels=DEMO_CHANNELS, sample_dtype="int16",
            scale_uv=driver.scale_uv, window_samples=window, driver="simulated", agent="demo",
            started_at=started, last_window_at=ended, windows_stored=windows, samples_stored=windows * window,
            bytes_stored=sum(map(len, payloads)), max_seq=windows - 1, acked_through=windows - 1, ended_at=ended,
            end_reason=Recording.EndReason.STOPPED, windows_expected=windows, samples_expected=windows * window,
        )  # fmt: skip
        RecordingWindow.objects.bulk_create(
            [
                RecordingWindow(
                    recording=recording,
                    seq=seq,
                    sample_start=seq * window,
                    n_samples=window,
                    device_time_us=int(started.timestamp() * 1e6) + seq * window * 1_000_000 // fs,
                    encoding=RecordingWindow.Encoding.RAW,
                    payload=payloads[seq],
                    received_at=started + timedelta(seconds=(seq + 1) * window / fs),
                )  # fmt: skip
                for seq in range(windows)
            ],
            batch_size=500,
        )
        session = BiofeedbackSession.objects.create(
            clinic=demo.clinic, patient=patient, chair=demo.chair, therapist=therapist,
            protocol=BiofeedbackSession.Protocol.INHIBITION, status=BiofeedbackSession.Status.ENDED,
            sites=DEMO_SITES, roles={"target": 0, "inhibit": 1}, threshold_pct=40.0, ceiling_pct=30.0,
            calibration=DEMO_CALIBRATION, recording=recording, sample_from=0, sample_to=total, ended_at=ended,
        )  # fmt: skip
        trials = []
        for number in range(1, TRIALS + 1):
            start_s = REST_S + (number - 1) * (TRIAL_S + REST_S) - LEAD_IN_S
            stop_s = start_s + LEAD_IN_S + TRIAL_S + LEAD_OUT_S
            trials.append((number, start_s))
            BiofeedbackTrial.objects.create(
                session=session, recording=recording, number=number, prompt="Smile gently, eye soft",
                emotional_cue="Greet a friend you have not seen for a long time", duration_s=stop_s - start_s,
                sample_start=int(start_s * fs), sample_stop=int(stop_s * fs),
                ended_at=started + timedelta(seconds=stop_s),
            )  # fmt: skip
        report_run(session_id=session.pk)
        BiofeedbackSession.objects.filter(pk=session.pk).update(started_at=started)
        for number, start_s in trials:
            BiofeedbackTrial.objects.filter(session=session, number=number).update(
                started_at=started + timedelta(seconds=start_s)
            )
        SessionReport.objects.filter(session=session).update(created_at=ended, finished_at=ended)
