"""The annotated overlay: what was measured, drawn on the photo.

Drawn: the iris line and the facial midline (the measuring frame), each iris circle, the brow upper
borders, the lid margins, the lips, and per side the measured segments (brow height, MRD1, MRD2,
commissure excursion) in the side's colour, with the subject's R and L marked. Sizes scale with the
face so a phone photo and a 24-megapixel photo look alike.
"""

from __future__ import annotations

import numpy as np

from signal_core.face import geometry as g
from signal_core.face import indices as ix

# The app's side colours (clinic/static/css/app.css --right / --left), as RGB.
SIDE_COLOURS = ((219, 39, 119), (37, 99, 235))
FRAME_COLOUR = (250, 204, 21)
CONTOUR_COLOUR = (255, 255, 255)


def _pt(p) -> tuple[int, int]:
    return int(round(float(p[0]) * 16)), int(round(float(p[1]) * 16))


def draw_overlay(rgb: np.ndarray, face: np.ndarray, *, mm_per_px: float | None = None) -> np.ndarray:
    """A copy of ``rgb`` with the measurement drawn on it. ``face``: (478, 3) image pixels."""
    import cv2

    out = np.ascontiguousarray(rgb.copy())
    points = face[:, :2]
    measures = g.measure(face) if mm_per_px is None else g.measure(face, mm_per_px)
    iris_frame = measures.iris_frame
    origin, axis = g._frame(points[None], use_iris=iris_frame)
    origin, along = origin[0], axis[0]
    up = np.array([along[1], -along[0]])
    eye_gap = float(np.linalg.norm(points[ix.IRIS_CENTRE[1]] - points[ix.IRIS_CENTRE[0]]))
    thick = max(1, int(round(eye_gap / 90)))
    shift = 4  # fixed-point drawing (1/16 px) keeps thin lines where they belong

    def line(a, b, colour, width=thick):
        cv2.line(out, _pt(a), _pt(b), colour, width, cv2.LINE_AA, shift)

    def polyline(indices, colour, width=thick):
        pts = np.round(points[list(indices)] * 16).astype(np.int32)
        cv2.polylines(out, [pts], False, colour, width, cv2.LINE_AA, shift)

    # The measuring frame.
    span = 1.6 * eye_gap
    line(origin - span * along, origin + span * along, FRAME_COLOUR)
    line(origin + 0.8 * eye_gap * up, origin - 2.2 * eye_gap * up, FRAME_COLOUR)
    for side in (ix.RIGHT, ix.LEFT):
        colour = SIDE_COLOURS[side]
        polyline(ix.BROW_UPPER[side], CONTOUR_COLOUR)
        polyline(ix.UPPER_LID[side], CONTOUR_COLOUR)
        polyline(ix.LOWER_LID[side], CONTOUR_COLOUR)
        centre = points[ix.IRIS_CENTRE[side]]
        radius = float(np.linalg.norm(np.subtract(*points[list(ix.IRIS_HORIZONTAL[side])]))) / 2
        cv2.circle(out, _pt(centre), int(round(radius * 16)), colour, thick, cv2.LINE_AA, shift)
        # Vertical measures through the pupil, along the frame's vertical.
        x = float((centre - origin) @ along)
        for contour in (ix.BROW_UPPER[side], ix.UPPER_LID[side], ix.LOWER_LID[side]):
            local = g._to_frame(points[None], origin[None], along[None])[0, list(contour)]
            y = float(g.interp_contour(local[None, :, 0], local[None, :, 1], np.array([[x]]))[0, 0])
            target = origin + x * along + y * up
            line(centre, target, colour)
            cv2.circle(out, _pt(target), int(2.2 * thick * 16), colour, -1, cv2.LINE_AA, shift)
        corner = points[ix.COMMISSURE[side]]
        lip_mid_local = g.lower_lip_midline(g._to_frame(points[None], origin[None], along[None]))[0]
        lip_mid = origin + lip_mid_local[0] * along + lip_mid_local[1] * up
        line(lip_mid, corner, colour, thick + 1)
        cv2.circle(out, _pt(corner), int(3 * thick * 16), colour, -1, cv2.LINE_AA, shift)
    polyline(ix.OUTER_LIP_UPPER, CONTOUR_COLOUR)
    polyline(ix.OUTER_LIP_LOWER, CONTOUR_COLOUR)
    polyline(ix.INNER_LIP_UPPER, CONTOUR_COLOUR)
    polyline(ix.INNER_LIP_LOWER, CONTOUR_COLOUR)
    # R and L at the subject's sides, outside the face.
    font_scale = max(0.5, eye_gap / 60)
    for side, label in ((ix.RIGHT, "R"), (ix.LEFT, "L")):
        direction = -1 if side == ix.RIGHT else 1
        anchor = origin + direction * 1.45 * eye_gap * along + 0.35 * eye_gap * up
        org = (int(anchor[0] - 10 * font_scale), int(anchor[1] + 10 * font_scale))
        cv2.putText(out, label, org, cv2.FONT_HERSHEY_SIMPLEX, font_scale, (0, 0, 0), thick + 3, cv2.LINE_AA)
        cv2.putText(out, label, org, cv2.FONT_HERSHEY_SIMPLEX, font_scale, SIDE_COLOURS[side], thick + 1, cv2.LINE_AA)
    return out


def encode_jpeg(rgb: np.ndarray, quality: int = 88) -> bytes:
    import cv2

    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return data.tobytes()
