"""Facial measures in millimetres from FaceMesh landmarks, vectorised over frames.

Every function takes landmarks of shape ``(frames, 478, 2 or 3)`` in image pixels (x right, y down);
a single face ``(478, 2 or 3)`` is treated as one frame. Nothing loops over frames.

The measuring frame (CLINICAL.md section 5, after Emotrics): the line through both iris centres is
the horizontal axis, pointing from the subject's right to the subject's left; its perpendicular
bisector is the facial midline; y points up (towards the brows). The scale is 11.77 mm over the
mean horizontal iris diameter in pixels. When an eye is closed its iris is not visible, so the
frame falls back to the line through the eye centres (the midpoints of the canthi) and the scale
must come from elsewhere (``transfer_scale``: the rest photo of the same visit, carried over by
the width of the face at the temples).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from signal_core.face import indices as ix

IRIS_DIAMETER_MM = 11.77
# An eye whose fissure height is below this fraction of its iris diameter is treated as closed for
# calibration and framing (about 3.5 mm on an adult eye; a wide smile narrows the eye to ~0.5).
EYE_CLOSED_RATIO = 0.3
# For scoring eye closure, a fissure under 1 mm counts as fully closed (CLINICAL.md section 5).
CLOSED_FISSURE_MM = 1.0
_DENTAL_SAMPLES = 33

PER_SIDE_MEASURES: dict[str, tuple[str, str]] = {
    "brow_height": ("Brow height", "mm"),
    "mrd1": ("MRD1 (pupil to upper lid)", "mm"),
    "mrd2": ("MRD2 (pupil to lower lid)", "mm"),
    "palpebral_fissure": ("Palpebral fissure height", "mm"),
    "commissure_excursion": ("Commissure excursion", "mm"),
    "smile_angle": ("Smile angle", "°"),
    "commissure_height": ("Commissure height below the iris line", "mm"),
    "dental_show": ("Dental show (area between the inner lip borders)", "mm²"),
    "canthus_commissure": ("Medial canthus to commissure", "mm"),
}
BILATERAL_MEASURES: dict[str, tuple[str, str]] = {
    "facial_asymmetry_index": ("Facial asymmetry index", "mm"),
    "commissure_height_deviation": ("Commissure height deviation (left − right)", "mm"),
}


@dataclass(frozen=True)
class FaceMeasures:
    """Measures of F frames. ``per_side[name]`` is (F, 2): columns subject's right, subject's left."""

    per_side: dict[str, np.ndarray]
    bilateral: dict[str, np.ndarray]
    mm_per_px: np.ndarray  # (F,)
    eye_openness: np.ndarray  # (F, 2): fissure height / iris diameter, scale-free
    iris_frame: np.ndarray  # (F,) bool: the frame came from the iris centres (else the canthi)
    aligned_mm: np.ndarray = field(repr=False)  # (F, 478, 2): landmarks in the measuring frame, mm

    @property
    def frames(self) -> int:
        return int(self.mm_per_px.shape[0])

    def frame(self, index: int) -> dict:
        """One frame as plain floats (None for NaN): {"right": {...}, "left": {...}, "bilateral": {...}}."""
        out: dict = {"right": {}, "left": {}, "bilateral": {}}
        for name, values in self.per_side.items():
            out["right"][name] = _plain(values[index, ix.RIGHT])
            out["left"][name] = _plain(values[index, ix.LEFT])
        for name, values in self.bilateral.items():
            out["bilateral"][name] = _plain(values[index])
        return out


def _plain(value: float) -> float | None:
    value = float(value)
    return None if not np.isfinite(value) else round(value, 3)


def as_frames(landmarks: np.ndarray) -> np.ndarray:
    """Validate landmarks and return float64 pixels of shape (F, 478, 2)."""
    array = np.asarray(landmarks, dtype=np.float64)
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3 or array.shape[1] != ix.N_LANDMARKS or array.shape[2] not in (2, 3):
        raise ValueError(f"landmarks must have shape (frames, {ix.N_LANDMARKS}, 2|3); got {np.shape(landmarks)}")
    return array[..., :2]


def interp_contour(xs: np.ndarray, ys: np.ndarray, x_query: np.ndarray) -> np.ndarray:
    """Piecewise-linear y of a contour at ``x_query``; constant beyond its ends.

    xs, ys: (..., K) contour points (any order along x); x_query: (..., Q). Returns (..., Q).
    """
    order = np.argsort(xs, axis=-1)
    xs = np.take_along_axis(xs, order, axis=-1)
    ys = np.take_along_axis(ys, order, axis=-1)
    k = xs.shape[-1]
    right = np.clip((xs[..., None, :] <= x_query[..., :, None]).sum(axis=-1), 1, k - 1)
    left = right - 1
    x0 = np.take_along_axis(xs, left, axis=-1)
    x1 = np.take_along_axis(xs, right, axis=-1)
    y0 = np.take_along_axis(ys, left, axis=-1)
    y1 = np.take_along_axis(ys, right, axis=-1)
    span = x1 - x0
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(span > 0, (x_query - x0) / np.where(span > 0, span, 1.0), 0.0)
    t = np.clip(t, 0.0, 1.0)
    return y0 + t * (y1 - y0)


def _eye_axes(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lateral = points[:, list(ix.LATERAL_CANTHUS)]
    medial = points[:, list(ix.MEDIAL_CANTHUS)]
    return lateral, medial


def iris_diameters_px(landmarks: np.ndarray) -> np.ndarray:
    """Horizontal iris diameter of each eye in pixels, (F, 2)."""
    points = as_frames(landmarks)
    ends = np.asarray(ix.IRIS_HORIZONTAL)  # (2 eyes, 2 ends)
    return np.linalg.norm(points[:, ends[:, 0]] - points[:, ends[:, 1]], axis=-1)


def eye_openness(landmarks: np.ndarray) -> np.ndarray:
    """Fissure height at mid-eye over the iris diameter, per eye, (F, 2); scale-free."""
    points = as_frames(landmarks)
    origin, axis = _frame(points, use_iris=np.zeros(points.shape[0], dtype=bool))
    aligned = _to_frame(points, origin, axis)
    fissure = _fissure_height(aligned)
    diameter = iris_diameters_px(points)
    with np.errstate(invalid="ignore", divide="ignore"):
        return fissure / diameter


def _frame(points: np.ndarray, *, use_iris: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Origin (F, 2) and unit x-axis (F, 2) of the measuring frame."""
    iris = points[:, list(ix.IRIS_CENTRE)]
    lateral, medial = _eye_axes(points)
    eye_centres = (lateral + medial) / 2.0
    centres = np.where(use_iris[:, None, None], iris, eye_centres)
    origin = centres.mean(axis=1)
    direction = centres[:, ix.LEFT] - centres[:, ix.RIGHT]
    length = np.linalg.norm(direction, axis=-1, keepdims=True)
    if np.any(length <= 0):
        raise ValueError("degenerate landmarks: both eye centres coincide")
    return origin, direction / length


def _to_frame(points: np.ndarray, origin: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Image pixels -> frame pixels: x along the eye line (towards the subject's left), y up."""
    rel = points - origin[:, None, :]
    x = rel[..., 0] * axis[:, None, 0] + rel[..., 1] * axis[:, None, 1]
    # The up direction is the x-axis turned by -90 degrees in image coordinates (y grows downwards).
    y = rel[..., 0] * axis[:, None, 1] - rel[..., 1] * axis[:, None, 0]
    return np.stack([x, y], axis=-1)


def roll_degrees(landmarks: np.ndarray) -> np.ndarray:
    """Head roll from the iris line, degrees (F,); positive when the subject's left eye is higher."""
    points = as_frames(landmarks)
    iris = points[:, list(ix.IRIS_CENTRE)]
    d = iris[:, ix.LEFT] - iris[:, ix.RIGHT]
    return np.degrees(np.arctan2(-d[:, 1], d[:, 0]))


def _contour(aligned: np.ndarray, groups) -> tuple[np.ndarray, np.ndarray]:
    idx = np.asarray(groups)  # (2 sides, K)
    pts = aligned[:, idx]  # (F, 2, K, 2)
    return pts[..., 0], pts[..., 1]


def _fissure_height(aligned: np.ndarray) -> np.ndarray:
    lateral, medial = _eye_axes(aligned)
    mid_x = ((lateral[..., 0] + medial[..., 0]) / 2.0)[..., None]  # (F, 2, 1)
    ux, uy = _contour(aligned, ix.UPPER_LID)
    lx, ly = _contour(aligned, ix.LOWER_LID)
    upper = interp_contour(ux, uy, mid_x)[..., 0]
    lower = interp_contour(lx, ly, mid_x)[..., 0]
    return np.clip(upper - lower, 0.0, None)


def iris_scale(landmarks: np.ndarray) -> np.ndarray:
    """mm per pixel from the iris (F,); NaN where an eye is closed (no visible iris to measure)."""
    points = as_frames(landmarks)
    open_eyes = eye_openness(points) >= EYE_CLOSED_RATIO
    diameter = iris_diameters_px(points).mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = IRIS_DIAMETER_MM / diameter
    return np.where(open_eyes.all(axis=1) & (diameter > 0), scale, np.nan)


def temple_width_px(landmarks: np.ndarray) -> np.ndarray:
    """Width of the face outline at eye level (temple to temple) in pixels, (F,).

    Expressions barely change it (the eyes closing shrinks FaceMesh's intercanthal distance by up
    to 3 %, this width by under 1 %), so it carries a calibration from one photo to another."""
    points = as_frames(landmarks)
    left, right = points[:, ix.TEMPLE[1]], points[:, ix.TEMPLE[0]]
    return np.linalg.norm(left - right, axis=-1)


def transfer_scale(reference_mm_per_px: float, reference_landmarks: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """Carry the calibration of a reference photo (rest, eyes open) to frames where the eyes are
    closed: mm/px scales with the inverse of the temple width in pixels. Returns (F,)."""
    if not np.isfinite(reference_mm_per_px) or reference_mm_per_px <= 0:
        raise ValueError("reference_mm_per_px must be a positive number")
    reference = float(np.mean(temple_width_px(reference_landmarks)))
    return reference_mm_per_px * reference / temple_width_px(landmarks)


def measure(landmarks: np.ndarray, mm_per_px: np.ndarray | float | None = None) -> FaceMeasures:
    """All measures of CLINICAL.md section 5 for every frame.

    ``mm_per_px``: None to calibrate each frame from its own iris (NaN measures where an eye is
    closed), or a scalar / (F,) array supplied by the caller (e.g. from ``transfer_scale``).
    """
    points = as_frames(landmarks)
    frames = points.shape[0]
    openness = eye_openness(points)
    eyes_open = openness >= EYE_CLOSED_RATIO
    use_iris = eyes_open.all(axis=1)
    origin, axis = _frame(points, use_iris=use_iris)
    aligned_px = _to_frame(points, origin, axis)
    if mm_per_px is None:
        scale = iris_scale(points)
    else:
        scale = np.broadcast_to(np.asarray(mm_per_px, dtype=np.float64), (frames,)).copy()
    aligned = aligned_px * scale[:, None, None]

    lateral, medial = _eye_axes(aligned)
    eye_centre = (lateral + medial) / 2.0
    iris = aligned[:, list(ix.IRIS_CENTRE)]
    pupil = np.where(eyes_open[..., None], iris, eye_centre)  # (F, 2, 2)
    px, py = pupil[..., 0:1], pupil[..., 1]

    bx, by = _contour(aligned, ix.BROW_UPPER)
    ux, uy = _contour(aligned, ix.UPPER_LID)
    lx, ly = _contour(aligned, ix.LOWER_LID)
    brow = interp_contour(bx, by, px)[..., 0]
    upper_lid = interp_contour(ux, uy, px)[..., 0]
    lower_lid = interp_contour(lx, ly, px)[..., 0]
    closed = ~eyes_open
    mrd1 = np.where(closed, np.nan, upper_lid - py)
    mrd2 = np.where(closed, np.nan, py - lower_lid)
    fissure = _fissure_height(aligned)

    corners = aligned[:, list(ix.COMMISSURE)]  # (F, 2, 2)
    lip_mid = lower_lip_midline(aligned)[:, None, :]  # (F, 1, 2)
    to_corner = corners - lip_mid
    excursion = np.linalg.norm(to_corner, axis=-1)
    smile_angle = np.degrees(np.arctan2(to_corner[..., 1], np.abs(to_corner[..., 0])))
    commissure_height = -corners[..., 1]
    canthus_commissure = np.linalg.norm(aligned[:, list(ix.MEDIAL_CANTHUS)] - corners, axis=-1)

    per_side = {
        "brow_height": brow - py,
        "mrd1": mrd1,
        "mrd2": mrd2,
        "palpebral_fissure": fissure,
        "commissure_excursion": excursion,
        "smile_angle": smile_angle,
        "commissure_height": commissure_height,
        "dental_show": _dental_show(aligned),
        "canthus_commissure": canthus_commissure,
    }
    bilateral = {
        "facial_asymmetry_index": np.abs(canthus_commissure[:, ix.RIGHT] - canthus_commissure[:, ix.LEFT]),
        "commissure_height_deviation": commissure_height[:, ix.LEFT] - commissure_height[:, ix.RIGHT],
    }
    return FaceMeasures(
        per_side=per_side,
        bilateral=bilateral,
        mm_per_px=scale,
        eye_openness=openness,
        iris_frame=use_iris,
        aligned_mm=aligned,
    )


def lower_lip_midline(aligned: np.ndarray) -> np.ndarray:
    """Where the facial midline (x = 0) crosses the lower vermilion border, (F, 2) in frame units."""
    contour = aligned[:, list(ix.OUTER_LIP_LOWER)]
    y = interp_contour(contour[..., 0], contour[..., 1], np.zeros((aligned.shape[0], 1)))[:, 0]
    return np.stack([np.zeros_like(y), y], axis=-1)


def _dental_show(aligned: np.ndarray) -> np.ndarray:
    """Area between the inner lip borders on each side of the facial midline, (F, 2) in mm²."""
    upper = aligned[:, list(ix.INNER_LIP_UPPER)]
    lower = aligned[:, list(ix.INNER_LIP_LOWER)]
    right_corner = np.minimum(aligned[:, ix.INNER_LIP_UPPER[0], 0], 0.0)
    left_corner = np.maximum(aligned[:, ix.INNER_LIP_UPPER[-1], 0], 0.0)
    t = np.linspace(0.0, 1.0, _DENTAL_SAMPLES)
    # (F, 2, S): sample x from the midline out to each inner mouth corner.
    xq = np.stack([right_corner[:, None] * t, left_corner[:, None] * t], axis=1)
    ux = np.broadcast_to(upper[None, ..., 0], (2, *upper.shape[:2])).transpose(1, 0, 2)
    uy = np.broadcast_to(upper[None, ..., 1], (2, *upper.shape[:2])).transpose(1, 0, 2)
    lx = np.broadcast_to(lower[None, ..., 0], (2, *lower.shape[:2])).transpose(1, 0, 2)
    ly = np.broadcast_to(lower[None, ..., 1], (2, *lower.shape[:2])).transpose(1, 0, 2)
    gap = np.clip(interp_contour(ux, uy, xq) - interp_contour(lx, ly, xq), 0.0, None)
    return np.abs(np.trapezoid(gap, xq, axis=-1))
