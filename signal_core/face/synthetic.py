"""Smooth local displacement warps of a real photograph, with known displacements.

Used to check the measures against known movements (a mouth corner pulled down by 2 mm, a brow
lowered by 3 mm, an upper lid dropped by 1.5 mm) and to make the demo's graded photo sets.

A ``BoxField`` moves everything inside an axis-aligned box by ``shift`` (pixels) and fades out
with Gaussian edges (separate widths left/right, above and below), so a feature inside the box
moves by exactly ``shift`` while features a few widths away stay put. Fields add up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BoxField:
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in image pixels (y down)
    shift: tuple[float, float]  # dx, dy in pixels
    fade_x: float  # Gaussian width of the fade left and right of the box
    fade_above: float  # ... above the box (smaller y)
    fade_below: float  # ... below the box (larger y)

    def weight(self, points: np.ndarray) -> np.ndarray:
        x, y = points[..., 0], points[..., 1]
        x0, y0, x1, y1 = self.box
        dx = np.maximum(np.maximum(x0 - x, x - x1), 0.0) / self.fade_x
        above = np.maximum(y0 - y, 0.0) / self.fade_above
        below = np.maximum(y - y1, 0.0) / self.fade_below
        return np.exp(-0.5 * (dx**2 + above**2 + below**2))

    def displacement(self, points: np.ndarray) -> np.ndarray:
        return self.weight(points)[..., None] * np.asarray(self.shift, dtype=np.float64)

    @property
    def max_gradient(self) -> float:
        """Largest |d displacement / d position|; the warp is invertible while this stays below 1."""
        fade = min(self.fade_x, self.fade_above, self.fade_below)
        return float(np.hypot(*self.shift) / fade * np.exp(-0.5))


def displace(points: np.ndarray, fields: Sequence[BoxField]) -> np.ndarray:
    """Where points (..., 2) end up after the warp."""
    points = np.asarray(points, dtype=np.float64)
    moved = points.copy()
    moved[..., :2] += sum(field.displacement(points[..., :2]) for field in fields)
    return moved


def warp_image(image: np.ndarray, fields: Sequence[BoxField], *, iterations: int = 8) -> np.ndarray:
    """Apply the forward displacement to an image (H, W[, C]); sampling bicubic.

    Each output pixel p takes the input at q with q + d(q) = p, found by fixed-point iteration
    q <- p - d(q), which converges while every field's max_gradient is below 1.
    """
    import cv2

    for field in fields:
        if field.max_gradient >= 0.9:
            raise ValueError("displacement too steep for its fade width; the warp would fold")
    height, width = image.shape[:2]
    if not fields:
        return image.copy()
    # Only the region the fields reach (weight above 1e-4, plus the largest shift) is resampled.
    reach = []
    for field in fields:
        x0, y0, x1, y1 = field.box
        margin = 4.3 * max(field.fade_x, field.fade_above, field.fade_below) + float(np.hypot(*field.shift))
        reach.append((x0 - margin, y0 - margin, x1 + margin, y1 + margin))
    reach = np.asarray(reach)
    left = int(max(np.floor(reach[:, 0].min()), 0))
    top = int(max(np.floor(reach[:, 1].min()), 0))
    right = int(min(np.ceil(reach[:, 2].max()), width))
    bottom = int(min(np.ceil(reach[:, 3].max()), height))
    out = image.copy()
    if right <= left or bottom <= top:
        return out
    grid_y, grid_x = np.mgrid[top:bottom, left:right].astype(np.float64)
    target = np.stack([grid_x, grid_y], axis=-1)
    source = target.copy()
    for _ in range(iterations):
        source = target - sum(field.displacement(source) for field in fields)
    map_x = source[..., 0].astype(np.float32)
    map_y = source[..., 1].astype(np.float32)
    out[top:bottom, left:right] = cv2.remap(
        image, map_x, map_y, interpolation=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT
    )
    return out


@dataclass(frozen=True)
class Move:
    """Move one feature of one side by (outward, up) millimetres in the face's own frame."""

    feature: str  # "brow", "commissure", "upper_lid", "lower_lid", "lower_lip"
    side: int  # indices.RIGHT or indices.LEFT (the subject's)
    outward_mm: float = 0.0
    up_mm: float = 0.0


def fields_for(face: np.ndarray, mm_per_px: float, moves: Sequence[Move]) -> list[BoxField]:
    """Box fields that move each feature by the stated millimetres, outward and up in the face's own
    frame (the iris line and its perpendicular)."""
    from signal_core.face import geometry as g
    from signal_core.face import indices as ix

    mm = 1.0 / mm_per_px
    points = face[:, :2]
    # Directions in the face's own frame (a photo is rarely perfectly level).
    _, axis = g._frame(points[None], use_iris=np.ones(1, dtype=bool))
    along = axis[0]  # towards the subject's left
    up = np.array([along[1], -along[0]])
    fields = []
    for move in moves:
        outward = along if move.side == ix.LEFT else -along
        vector = (move.outward_mm * outward + move.up_mm * up) * mm
        shift = (float(vector[0]), float(vector[1]))
        size = float(np.hypot(*shift))
        outward = 1.0 if move.side == ix.LEFT else -1.0  # image x direction of "outward"
        if move.feature == "brow":
            group = points[list(ix.BROW_UPPER[move.side]) + list(ix.BROW_LOWER[move.side])]
            x0, y0 = group.min(axis=0)
            x1, y1 = group.max(axis=0)
            fields.append(
                BoxField(
                    (x0 - 2 * mm, 0.0, x1 + 2 * mm, y1),
                    shift,
                    max(5 * mm, 0.75 * size),
                    max(4 * mm, 0.75 * size),
                    max(2.5 * mm, 0.75 * size),
                )
            )
        elif move.feature == "commissure":
            cx, cy = points[ix.COMMISSURE[move.side]]
            fade = max(5 * mm, 0.75 * size)
            fields.append(BoxField((cx - mm, cy - mm, cx + mm, cy + mm), shift, fade, fade, fade))
        elif move.feature in ("upper_lid", "lower_lid"):
            pupil = points[ix.IRIS_CENTRE[move.side]]
            if move.feature == "upper_lid":
                lid = points[list(ix.UPPER_LID[move.side])]
                margin = points[ix.UPPER_LID[move.side][4], 1]
                # The margin and the millimetre of eye under it move as one; the rest of the way to
                # the pupil absorbs the movement, so the pupil stays put.
                box = (lid[:, 0].min(), lid[:, 1].min() - mm, lid[:, 0].max(), margin + 1.2 * mm)
                # (A larger movement than the margin-to-pupil room allows drags the pupil a little.)
                fields.append(BoxField(box, shift, 3 * mm, 3 * mm, max((pupil[1] - box[3]) / 3, 0.7 * size, 0.3 * mm)))
            else:
                lid = points[list(ix.LOWER_LID[move.side])]
                margin = points[ix.LOWER_LID[move.side][4], 1]
                box = (lid[:, 0].min(), margin - 1.0 * mm, lid[:, 0].max(), lid[:, 1].max() + mm)
                fields.append(BoxField(box, shift, 3 * mm, max((box[1] - pupil[1]) / 3, 0.7 * size, 0.3 * mm), 3 * mm))
        elif move.feature == "lower_lip":
            # The half of the lower lip on that side, from the midline to the mouth corner.
            midline_x = points[ix.LOWER_LIP_MIDLINE, 0]
            lip = points[list(ix.INNER_LIP_LOWER) + list(ix.OUTER_LIP_LOWER)]
            half = lip[(lip[:, 0] - midline_x) * outward >= 0]
            x0, y0 = half.min(axis=0)
            x1, y1 = half.max(axis=0)
            fade = max(3 * mm, 0.75 * size)
            fields.append(
                BoxField(
                    (x0 + (2 * mm if outward < 0 else 0), y0, x1 - (2 * mm if outward > 0 else 0), y1),
                    shift,
                    fade,
                    fade,
                    fade,
                )
            )
        else:
            raise ValueError(f"unknown feature {move.feature!r}")
    return fields


def close_eyes(rgb: np.ndarray, face: np.ndarray, sides: Sequence[int]) -> np.ndarray:
    """Paint the open eye of each side shut: the fissure filled from the surrounding lid skin, with a
    lash line along the lower lid."""
    import cv2

    from signal_core.face import indices as ix

    out = rgb.copy()
    mask = np.zeros(rgb.shape[:2], np.uint8)
    gap = float(np.linalg.norm(face[ix.IRIS_CENTRE[1], :2] - face[ix.IRIS_CENTRE[0], :2]))
    for side in sides:
        polygon = np.concatenate([face[list(ix.UPPER_LID[side]), :2], face[list(ix.LOWER_LID[side])[::-1], :2]])
        cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 255)
    grow = max(3, int(round(gap / 14)) | 1)
    mask = cv2.dilate(mask, np.ones((grow, grow), np.uint8))
    out = cv2.inpaint(out, mask, max(3, grow), cv2.INPAINT_TELEA)
    for side in sides:
        lashes = np.round(face[list(ix.LOWER_LID[side]), :2]).astype(np.int32)
        cv2.polylines(out, [lashes], False, (70, 50, 40), max(1, int(round(gap / 45))), cv2.LINE_AA)
    return out


def turn_head(rgb: np.ndarray, face: np.ndarray, degrees: float) -> np.ndarray:
    """Turn the head about its vertical axis, modelling it as a cylinder: positive turns towards the
    subject's left (the nose moves towards the image's right)."""
    import cv2

    from signal_core.face import indices as ix

    height, width = rgb.shape[:2]
    centre = (face[ix.CHEEK_EDGE[0], 0] + face[ix.CHEEK_EDGE[1], 0]) / 2.0
    radius = (face[ix.CHEEK_EDGE[1], 0] - face[ix.CHEEK_EDGE[0], 0]) / 2.0 * 1.15
    grid_y, grid_x = np.mgrid[0:height, 0:width].astype(np.float64)
    inside = np.abs(grid_x - centre) < radius
    u = np.clip((grid_x - centre) / radius, -1.0, 1.0)
    source = centre + radius * np.sin(np.arcsin(u) - np.radians(degrees))
    map_x = np.where(inside, source, grid_x).astype(np.float32)
    return cv2.remap(rgb, map_x, grid_y.astype(np.float32), cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def astronaut_portrait(scale: int = 3) -> np.ndarray:
    """The astronaut photograph shipped by scikit-image, cropped to head and shoulders and enlarged
    so the iris spans ~25 px (a modest clinical photo; the original's 8 px is below what the
    edges can be measured on to half a millimetre). Needs scikit-image."""
    import cv2
    from skimage import data

    crop = data.astronaut()[20:260, 120:330]
    return cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
