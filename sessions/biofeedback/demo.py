"""Demo seeder: an open inhibition session for Jordan Avery at the simulated chair.

The demo agent (sessions/ingest/demo.py) streams a scripted practice on Chair 1: zygomaticus and
orbicularis oculi on the left, rest, smiles, a smile with synkinetic eye closure. With this session
open, a newcomer signed in as maya@lakeside.demo opens Jordan's "EMG sessions" tab (or the link on
the console output) and sees live traces within seconds. The seeded calibration matches the
simulated chair's levels so the threshold, ceiling and alert work at once; "Calibration" on the
live page measures a real one.
"""

from __future__ import annotations

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
