"""Is a photo fit to be measured? Sharpness, head turn, face size, eyes open.

Each check returns plain numbers; ``photo_problems`` turns them into stated reasons with a
severity: a *failure* means the photo is not measured (the reason is shown instead), a *warning*
means it is measured and the caveat is shown next to the numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from signal_core.face import geometry as g
from signal_core.face import indices as ix

# Sharpness: standard deviation of the Laplacian over that of the image, on the face resampled to
# 64 px between the pupils (about 1 px per mm), so it compares across cameras and distances. A sharp
# frontal photo scores ~0.8; a Gaussian blur of 1 mm gives ~0.6, of 2 mm ~0.35.
SHARPNESS_FAIL = 0.35
SHARPNESS_WARN = 0.5
# Head turn (yaw) in degrees, from where the nose tip sits between the cheek edges.
YAW_FAIL = 20.0
YAW_WARN = 10.0
# Iris diameter in pixels: below 6 px nothing can be measured; below 16 px the edges the landmarks are
# refined on are a few pixels wide and measures may be 1-2 mm off.
IRIS_FAIL_PX = 6.0
IRIS_WARN_PX = 16.0
# A second face at least this fraction of the first one's width counts as another person in the
# photo (a small face on a poster behind the patient does not).
SECOND_FACE_FRACTION = 0.4


@dataclass(frozen=True)
class Quality:
    sharpness: float
    yaw_degrees: float  # positive: turned towards the subject's left
    roll_degrees: float
    iris_px: float
    eye_openness: tuple[float, float]  # subject's right, left
    face_width_px: float

    def as_dict(self) -> dict:
        data = asdict(self)
        return {k: (round(v, 3) if isinstance(v, float) else [round(x, 3) for x in v]) for k, v in data.items()}


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    severity: str  # "failure" or "warning"

    def as_dict(self) -> dict:
        return asdict(self)


def sharpness(rgb: np.ndarray, face: np.ndarray) -> float:
    import cv2

    points = face[:, :2]
    iris = points[list(ix.IRIS_CENTRE)]
    spacing = float(np.linalg.norm(iris[1] - iris[0]))
    if spacing <= 0:
        return 0.0
    x0, y0 = np.maximum(points.min(axis=0).astype(int), 0)
    x1, y1 = points.max(axis=0).astype(int)
    crop = rgb[y0 : max(y1, y0 + 2), x0 : max(x1, x0 + 2)]
    factor = 64.0 / spacing
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    crop = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=interpolation)
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32)
    laplacian = cv2.Laplacian(gray, cv2.CV_32F, ksize=3)
    return float(laplacian.std() / (gray.std() + 1e-6))


def yaw_degrees(face: np.ndarray) -> float:
    """Approximate head turn: the nose tip's place between the cheek edges, measured along the eye
    line. Frontal puts it half-way; a head modelled as a cylinder with the nose standing out half its
    radius gives tan(yaw) = 4 (r - 1/2)."""
    aligned = g._to_frame(face[None, :, :2], *_frame_of(face))[0]
    right, left = aligned[ix.CHEEK_EDGE[0], 0], aligned[ix.CHEEK_EDGE[1], 0]
    if left - right <= 0:
        return 90.0
    position = (aligned[ix.NOSE_TIP, 0] - right) / (left - right)
    return float(np.degrees(np.arctan(4.0 * (position - 0.5))))


def _frame_of(face: np.ndarray):
    origin, axis = g._frame(face[None, :, :2], use_iris=np.zeros(1, dtype=bool))
    return origin, axis


def assess(rgb: np.ndarray, face: np.ndarray) -> Quality:
    from signal_core.face.landmarks import face_width_px

    openness = g.eye_openness(face)[0]
    return Quality(
        sharpness=sharpness(rgb, face),
        yaw_degrees=yaw_degrees(face),
        roll_degrees=float(g.roll_degrees(face)[0]),
        iris_px=float(g.iris_diameters_px(face)[0].mean()),
        eye_openness=(float(openness[0]), float(openness[1])),
        face_width_px=face_width_px(face),
    )


def face_count_problem(faces: list[np.ndarray]) -> Problem | None:
    from signal_core.face.landmarks import face_width_px

    if not faces:
        return Problem("no_face", "No face was found in this photo.", "failure")
    others = [f for f in faces[1:] if face_width_px(f) >= SECOND_FACE_FRACTION * face_width_px(faces[0])]
    if others:
        return Problem(
            "several_faces",
            f"{len(others) + 1} faces were found; the photo must show the patient alone.",
            "failure",
        )
    return None


def photo_problems(quality: Quality) -> list[Problem]:
    """Failures first, then warnings."""
    problems: list[Problem] = []
    side = "left" if quality.yaw_degrees > 0 else "right"
    if quality.iris_px < IRIS_FAIL_PX:
        problems.append(
            Problem(
                "face_too_small",
                f"The face is too small to measure (iris {quality.iris_px:.0f} px across; at least "
                f"{IRIS_FAIL_PX:.0f} px is needed). Move closer or crop less.",
                "failure",
            )
        )
    if abs(quality.yaw_degrees) > YAW_FAIL:
        problems.append(
            Problem(
                "head_turned",
                f"The head is turned about {abs(quality.yaw_degrees):.0f}° to the patient's {side}; "
                "retake the photo facing the camera.",
                "failure",
            )
        )
    if quality.sharpness < SHARPNESS_FAIL:
        problems.append(
            Problem(
                "blurred",
                f"The photo is too blurred to measure (sharpness {quality.sharpness:.2f}, needs at least "
                f"{SHARPNESS_FAIL:.2f}). Hold the camera still and focus on the eyes.",
                "failure",
            )
        )
    if problems:
        return problems
    if quality.iris_px < IRIS_WARN_PX:
        problems.append(
            Problem(
                "low_resolution",
                f"Low resolution (iris {quality.iris_px:.0f} px across): measures may be 1–2 mm off.",
                "warning",
            )
        )
    if abs(quality.yaw_degrees) > YAW_WARN:
        problems.append(
            Problem(
                "head_slightly_turned",
                f"The head is turned about {abs(quality.yaw_degrees):.0f}° to the patient's {side}; "
                "left-right differences are less reliable.",
                "warning",
            )
        )
    if quality.sharpness < SHARPNESS_WARN:
        problems.append(
            Problem("slightly_blurred", f"Slightly blurred (sharpness {quality.sharpness:.2f}).", "warning")
        )
    return problems
