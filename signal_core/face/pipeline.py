"""From photos to millimetres: one photo's landmarks and checks, then a visit's set calibrated.

``analyse_photo`` finds the face, refuses what cannot be measured (no face, several faces, too
small, turned, blurred) with a stated reason, and refines the landmarks. ``measure_set`` then
measures every usable photo of a visit: in its own iris scale when both eyes are open, otherwise in
the scale of the visit's rest photo carried over by the width of the face at the temples. A rest photo with
closed eyes cannot calibrate the set, and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from signal_core.face import geometry as g
from signal_core.face import indices as ix
from signal_core.face.quality import Problem, Quality, assess, face_count_problem, photo_problems

REFERENCE_VIEW = "rest"


@dataclass
class PhotoAnalysis:
    faces: int
    failure: Problem | None = None
    warnings: list[Problem] = field(default_factory=list)
    quality: Quality | None = None
    landmarks: np.ndarray | None = None  # (478, 3) refined, image pixels
    raw_landmarks: np.ndarray | None = None  # FaceMesh's own
    refinement: dict = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        return self.failure is None and self.landmarks is not None

    @property
    def eyes_open(self) -> tuple[bool, bool]:
        if self.quality is None:
            return (False, False)
        right, left = self.quality.eye_openness
        return (right >= g.EYE_CLOSED_RATIO, left >= g.EYE_CLOSED_RATIO)


def analyse_photo(rgb: np.ndarray, *, detector=None) -> PhotoAnalysis:
    """Landmarks and fitness of one photo (RGB uint8). ``detector``: callable rgb -> faces."""
    from signal_core.face.landmarks import detect_faces
    from signal_core.face.refine import refine_landmarks

    faces = (detector or detect_faces)(rgb)
    problem = face_count_problem(faces)
    if problem is not None:
        return PhotoAnalysis(faces=len(faces), failure=problem)
    face = faces[0]
    quality = assess(rgb, face)
    problems = photo_problems(quality)
    failures = [p for p in problems if p.severity == "failure"]
    if failures:
        return PhotoAnalysis(faces=len(faces), failure=failures[0], quality=quality, raw_landmarks=face)
    refined = refine_landmarks(rgb, face)
    return PhotoAnalysis(
        faces=len(faces),
        warnings=problems,
        quality=quality,
        landmarks=refined.landmarks,
        raw_landmarks=face,
        refinement={"moved_mm": refined.moved_mm, "kept": refined.kept},
    )


@dataclass
class PhotoMeasurement:
    failure: Problem | None = None
    measures: dict | None = None  # {"right": {...}, "left": {...}, "bilateral": {...}}
    mm_per_px: float | None = None
    scale_method: str = ""  # "iris" or "rest_photo"
    iris_frame: bool = True


EYES_CLOSED_CALIBRATION = Problem(
    "eyes_closed_calibration",
    "The eyes are closed in the rest photo, which calibrates the set (its irises give the millimetre "
    "scale). Retake the rest photo with the eyes open.",
    "failure",
)
NO_CALIBRATION = Problem(
    "no_calibration",
    "An eye is closed in this photo, so its iris cannot give the scale, and there is no usable rest "
    "photo of this visit to carry the scale from.",
    "failure",
)


def reference_scale(analysis: PhotoAnalysis | None) -> float | None:
    """mm per pixel of the rest photo, or None when it cannot calibrate (missing, failed, eyes closed)."""
    if analysis is None or not analysis.usable or not all(analysis.eyes_open):
        return None
    value = float(g.iris_scale(analysis.landmarks)[0])
    return value if np.isfinite(value) else None


def measure_set(analyses: Mapping[str, PhotoAnalysis]) -> dict[str, PhotoMeasurement]:
    """Measure every photo of one visit, keyed like ``analyses`` (by view)."""
    reference = analyses.get(REFERENCE_VIEW)
    reference_mm = reference_scale(reference)
    out: dict[str, PhotoMeasurement] = {}
    for view, analysis in analyses.items():
        if not analysis.usable:
            out[view] = PhotoMeasurement(failure=analysis.failure)
            continue
        if view == REFERENCE_VIEW and reference_mm is None:
            out[view] = PhotoMeasurement(failure=EYES_CLOSED_CALIBRATION)
            continue
        if all(analysis.eyes_open):
            result = g.measure(analysis.landmarks)
            method = "iris"
        elif reference_mm is not None:
            scale = g.transfer_scale(reference_mm, reference.landmarks, analysis.landmarks)
            result = g.measure(analysis.landmarks, scale)
            method = "rest_photo"
        else:
            out[view] = PhotoMeasurement(failure=NO_CALIBRATION)
            continue
        out[view] = PhotoMeasurement(
            measures=result.frame(0),
            mm_per_px=float(result.mm_per_px[0]),
            scale_method=method,
            iris_frame=bool(result.iris_frame[0]),
        )
    return out


def asymmetry(measures: dict, healthy_side: str | None) -> dict[str, dict]:
    """|L - R| and the affected side as % of the healthy side, per measure.

    ``healthy_side``: "right"/"left" as declared by the therapist, or None (bilateral or not
    declared: no percentage, never guessed).
    """
    out: dict[str, dict] = {}
    for name in g.PER_SIDE_MEASURES:
        right, left = measures["right"].get(name), measures["left"].get(name)
        entry: dict = {"abs_diff": None, "pct_of_healthy": None}
        if right is not None and left is not None:
            entry["abs_diff"] = round(abs(left - right), 3)
            if healthy_side in ix.SIDES:
                healthy = measures[healthy_side][name]
                affected = measures["left" if healthy_side == "right" else "right"][name]
                if healthy and abs(healthy) > 1e-6:
                    entry["pct_of_healthy"] = round(affected / healthy * 100.0, 1)
        out[name] = entry
    return out
