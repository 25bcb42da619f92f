"""Demo data: two graded photo sets (and a smile video) for Priya Raman, right-sided Ramsay Hunt
palsy with established synkinesis.

The photos are the astronaut portrait shipped with scikit-image, warped by known millimetres to look
like a right-sided palsy: at the first visit a lower brow, a drooping mouth corner, an eye that does
not close fully and narrows when she smiles or puckers; at the next visit, movement returning and
the eye narrowing less. The first visit's suggestions are accepted and the evaluation signed; the
latest waits for the therapist's review. They go through the
same upload validation and grading as real photos. Idempotent: a patient who already has photos is
left alone.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile

from patients.models import Evaluation, MediaAsset

logger = logging.getLogger(__name__)

DEMO_RECORD = "RT-1002"
VISITS = [
    # days ago, severity (1 = no movement on the affected side), synkinesis (eye narrowing, mm)
    (56, 0.55, 2.2),
    (1, 0.4, 1.5),
]


def expression_photos(severity: float, affected: int, synkinesis: float | None = None) -> dict[str, np.ndarray]:
    """The 8 MEEI views of a face whose ``affected`` side (indices.LEFT/RIGHT) moves (1 - severity)
    as much as the other, and whose affected eye narrows by ``synkinesis`` mm when the mouth moves
    (default: 1.5 × severity)."""
    from signal_core.face import geometry as g
    from signal_core.face.landmarks import detect_faces
    from signal_core.face.synthetic import Move, astronaut_portrait, close_eyes, fields_for, warp_image

    base = astronaut_portrait(3)
    face = detect_faces(base)[0]
    mm = float(g.iris_scale(face)[0])
    a, h = affected, 1 - affected
    keep = 1.0 - severity
    narrowing = 1.5 * severity if synkinesis is None else synkinesis
    # The portrait smiles widely: pulling both corners down and in gives the face at rest.
    neutral = [Move("commissure", a, -4.5, -4.5), Move("commissure", h, -4.5, -4.5)]
    palsy_rest = [
        Move("brow", a, 0, -2.5 * severity),
        Move("commissure", a, 0, -1.8 * severity),
        Move("lower_lid", a, 0, -0.8 * severity),
    ]

    def make(moves, close=()) -> np.ndarray:
        image = warp_image(base, fields_for(face, mm, moves))
        if close:
            image = close_eyes(image, face, close)
        return image

    rest = neutral + palsy_rest
    return {
        "rest": make(rest),
        "brow_elevation": make(
            neutral + [Move("brow", h, 0, 8.0), Move("brow", a, 0, 8.0 * keep - 2.5 * severity)] + palsy_rest[1:]
        ),
        "gentle_eye_closure": make(
            rest + ([] if keep > 0.6 else [Move("upper_lid", a, 0, -1.2)]), close=(h,) if keep <= 0.6 else (h, a)
        ),
        "tight_eye_closure": make(
            rest + ([] if keep > 0.5 else [Move("upper_lid", a, 0, -1.6)]), close=(h,) if keep <= 0.5 else (h, a)
        ),
        "small_smile": make(
            [Move("commissure", h, -2.5, -2.5), Move("commissure", a, -4.5 + 2.0 * keep, -4.5 + 2.0 * keep)]
            + palsy_rest[:1]
        ),
        "large_smile": make(
            [Move("commissure", h, 1.5, 1.5), Move("commissure", a, -4.5 + 6.0 * keep, -4.5 + 6.0 * keep - severity)]
            + palsy_rest[:1]
            + [Move("upper_lid", a, 0, -narrowing)]  # the eye narrows as the mouth moves
        ),
        "pucker": make(
            [Move("commissure", h, -9.0, -4.5), Move("commissure", a, -4.5 - 4.5 * keep, -4.5)]
            + palsy_rest[:1]
            + [Move("upper_lid", a, 0, -0.8 * narrowing)]
        ),
        "lower_lip": make(
            [Move("commissure", h, -1.0, -3.0), Move("commissure", a, -1.0 - 2.0 * severity, -3.0 - severity)]
            + [Move("lower_lip", h, 0, -2.5), Move("lower_lip", a, 0, -2.5 * keep)]
            + palsy_rest[:1]
        ),
    }


def therapist_items(severity: float) -> dict[str, dict]:
    """What the therapist scores by eye at that visit: the eFACE items landmarks do not measure, and
    the House-Brackmann grade."""
    keep = 1.0 - severity
    return {
        "eface": {
            "nasolabial_fold_rest": round(100 - 35 * severity),
            "oral_commissure_rest": round(100 - 25 * severity),
            "nasolabial_fold_depth_smile": round(100 * keep + 10),
            "nasolabial_fold_orientation_smile": round(100 * keep + 15),
            "midfacial_synkinesis": round(100 - 45 * severity),
            "mentalis_synkinesis": round(100 - 30 * severity),
            "platysmal_synkinesis": round(100 - 40 * severity),
        },
        "house_brackmann": {"grade": 4 if severity > 0.5 else 3},
    }


def _jpeg(rgb: np.ndarray, name: str) -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=92)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def smile_video(severity: float, affected: int, synkinesis: float, *, seconds: float = 2.4, fps: int = 15) -> bytes:
    """A short MP4 of the face going from rest into a big smile and back."""
    import cv2

    from signal_core.face import geometry as g
    from signal_core.face.landmarks import detect_faces
    from signal_core.face.synthetic import Move, astronaut_portrait, fields_for, warp_image

    base = astronaut_portrait(3)
    face = detect_faces(base)[0]
    mm = float(g.iris_scale(face)[0])
    a, h = affected, 1 - affected
    handle, path = tempfile.mkstemp(suffix=".mp4", prefix="retrain-demo-")
    os.close(handle)
    try:
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"), fps, (base.shape[1], base.shape[0]))
        frames = int(seconds * fps)
        for i in range(frames):
            t = i / fps
            k = 0.0 if t < 0.6 else min(1.0, (t - 0.6) / 0.5) if t < 1.6 else max(0.0, 1.0 - (t - 1.6) / 0.5)
            moves = [
                Move("commissure", h, -4.5 + 6.0 * k, -4.5 + 6.0 * k),
                Move("commissure", a, -4.5 + 6.0 * k * (1 - severity), -4.5 + 6.0 * k * (1 - severity) - severity),
                Move("upper_lid", a, 0, -synkinesis * k),
            ]
            writer.write(cv2.cvtColor(warp_image(base, fields_for(face, mm, moves)), cv2.COLOR_RGB2BGR))
        writer.release()
        with open(path, "rb") as handle_in:
            return handle_in.read()
    finally:
        os.unlink(path)


def seed_graded_photo_set(demo) -> None:
    """Two photo visits of the demo patient after the record area's evaluations: eight weeks ago
    (graded, suggestions accepted, signed) and yesterday (graded, suggestions waiting for review)."""
    from datetime import timedelta

    from django.utils import timezone

    from patients.evaluations.services import evaluation_complete, evaluation_create, evaluation_set_scale_items
    from patients.media.services import grading_accept, grading_start, media_upload
    from patients.models import GradingRun
    from patients.services import consent_in_force, consent_record
    from signal_core.face import indices as ix

    try:
        import skimage  # noqa: F401 - the portrait comes from scikit-image's data
    except ImportError:
        logger.warning("scikit-image is not installed: the demo has no photo sets")
        return
    patient = next((p for p in demo.patients if p.record_number == DEMO_RECORD), None)
    if patient is None or MediaAsset.objects.filter(patient=patient).exists():
        return
    therapist = patient.care_team.first() or demo.therapists[0]
    if not consent_in_force(patient, "photography"):
        consent_record(actor=therapist, patient=patient, kind="photography", granted=True)
    affected = ix.LEFT if patient.affected_side == "left" else ix.RIGHT
    today = timezone.localdate()
    for index, (days_ago, severity, synkinesis) in enumerate(VISITS):
        evaluation = evaluation_create(
            actor=therapist,
            patient=patient,
            performed_on=today - timedelta(days=days_ago),
            kind=Evaluation.Kind.FOLLOW_UP,
        )
        for view, rgb in expression_photos(severity, affected, synkinesis).items():
            media_upload(actor=therapist, evaluation=evaluation, view=view, upload=_jpeg(rgb, f"{view}.jpg"))
        last = index == len(VISITS) - 1
        if last:
            data = smile_video(severity, affected, synkinesis)
            media_upload(
                actor=therapist,
                evaluation=evaluation,
                view="large_smile",
                upload=SimpleUploadedFile("smile.mp4", data, content_type="video/mp4"),
            )
        run = GradingRun.objects.get(pk=grading_start(actor=therapist, evaluation=evaluation).pk)
        if last or run.status != GradingRun.Status.DONE:
            continue
        # The earlier visit was reviewed: every suggestion accepted as it came, the items photos cannot
        # measure scored by the therapist, a grade chosen, then signed.
        values = {f"{s.scale}.{s.item}": s.suggested_value for s in run.suggestions.all()}
        if values:
            grading_accept(actor=therapist, run=run, values=values)
            for scale, items in therapist_items(severity).items():
                evaluation_set_scale_items(actor=therapist, evaluation=evaluation, scale=scale, items=items)
            evaluation_complete(actor=therapist, evaluation=evaluation)
