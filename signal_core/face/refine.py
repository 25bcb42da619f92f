"""Local image refinement of the landmarks the measures depend on.

FaceMesh regresses all 478 points from a 192-pixel face crop through a learned shape prior. Its
points follow a real movement only partly (a brow lowered by 2 mm moves its landmarks ~1.5 mm and
drags the other brow a little), which matters when the result is a difference of a few millimetres.
So the points that carry the measures are moved onto the image edge they stand for, searched along
the facial vertical (or along the lip line for a mouth corner) close to FaceMesh's estimate:

- upper brow border: forehead skin above, darker brow below;
- upper lid margin: lid skin above, lash line below;
- lower lid margin: the eye opening above, lid skin below (strongest edge of either sign);
- lower lip border at the midline: lip above, lighter chin skin below;
- mouth corner: follow the dark valley between the lips outwards from the inner corner of the
  mouth until it fades, then take the last dark-to-light step there.

Profiles are averaged over a short band across the search direction and smoothed; an edge is taken
only when it stands clearly above the profile's own gradient noise, otherwise FaceMesh's point is
kept. A Gaussian prior around FaceMesh's estimate keeps the search from jumping to a neighbouring
structure (a lid crease, a fringe of hair). Work per image is a few small remaps, not a full warp.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signal_core.face import geometry as g
from signal_core.face import indices as ix

_STEP_MM = 0.1


@dataclass(frozen=True)
class _EdgeSearch:
    name: str
    groups: tuple[tuple[int, ...], ...]  # one contour per group (per side); its points move together
    polarity: int  # +1: brighter further down, -1: darker further down, 0: either
    half_window_mm: float
    prior_mm: float
    band_mm: float
    smooth_mm: float
    channel: str = "luma"  # or "redness": lips against skin
    min_step: float = 10.0  # smallest step (8-bit levels) trusted over FaceMesh


_SEARCHES = (
    _EdgeSearch("brow_upper", ix.BROW_UPPER, -1, 3.0, 1.5, 1.5, 0.4),
    _EdgeSearch("upper_lid", (ix.UPPER_LID[0][2:-2], ix.UPPER_LID[1][2:-2]), -1, 2.0, 0.9, 0.6, 0.4),
    _EdgeSearch("lower_lid", (ix.LOWER_LID[0][2:-2], ix.LOWER_LID[1][2:-2]), 0, 1.5, 0.7, 0.6, 0.25),
    _EdgeSearch("lower_lip", ((84, ix.LOWER_LIP_MIDLINE, 314),), -1, 2.5, 1.2, 3.0, 0.5, "redness", 5.0),
)


@dataclass(frozen=True)
class Refinement:
    landmarks: np.ndarray  # (478, 3) refined copy
    moved_mm: dict[str, float]  # mean |shift| per feature group, for the record
    kept: dict[str, int]  # points per group left where FaceMesh put them (no clear edge)


class _Channels(dict):
    """Luma of the face crop, and Lab a* ("redness": lips against skin) computed only if asked."""

    def __init__(self, rgb: np.ndarray):
        import cv2

        super().__init__(luma=cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32))
        self._rgb = rgb

    def __missing__(self, key: str) -> np.ndarray:
        import cv2

        if key != "redness":
            raise KeyError(key)
        # Only the lower part of the face crop holds the lips; stretched so its steps compare with
        # luminance steps.
        top = int(self._rgb.shape[0] * 0.45)
        redness = np.zeros(self._rgb.shape[:2], np.float32)
        lower = np.ascontiguousarray(self._rgb[top:])
        redness[top:] = 2.0 * cv2.cvtColor(lower, cv2.COLOR_RGB2LAB)[..., 1].astype(np.float32)
        self[key] = redness
        return redness


def _channels(rgb: np.ndarray) -> _Channels:
    return _Channels(rgb)


def _sample(gray: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Bilinear samples of ``gray`` at points (..., 2) in pixels."""
    import cv2

    shape = points.shape[:-1]
    flat = points.reshape(-1, 2).astype(np.float32)
    values = cv2.remap(
        gray,
        flat[:, 0].reshape(1, -1),
        flat[:, 1].reshape(1, -1),
        interpolation=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return values.reshape(shape)


def _profiles(gray, centres, direction, across, half_mm, band_mm, px_per_mm) -> tuple[np.ndarray, np.ndarray]:
    """Mean intensity along ``direction`` through each centre: (N, S) values and (S,) offsets in mm.

    ``direction`` and ``across`` are one unit vector (2,) or one per centre (N, 2)."""
    offsets = np.arange(-half_mm, half_mm + 1e-9, _STEP_MM)
    band = np.linspace(-band_mm, band_mm, 7)
    direction = np.broadcast_to(direction, centres.shape)[:, None, None, :]
    across = np.broadcast_to(across, centres.shape)[:, None, None, :]
    grid = (
        centres[:, None, None, :]
        + offsets[None, :, None, None] * px_per_mm * direction
        + band[None, None, :, None] * px_per_mm * across
    )
    return _sample(gray, grid).mean(axis=-1), offsets


def _climb(values: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Per row, climb from ``start`` to the local maximum uphill of it (vectorised hill climb)."""
    rows = np.arange(values.shape[0])
    size = values.shape[1]
    index = np.broadcast_to(np.arange(size), values.shape)
    padded = np.pad(values, ((0, 0), (1, 1)), constant_values=-np.inf)
    peak = (values >= padded[:, :-2]) & (values >= padded[:, 2:])
    # The nearest peak at or right of each index, and at or left of it.
    right = np.minimum.accumulate(np.where(peak, index, size)[:, ::-1], axis=1)[:, ::-1]
    left = np.maximum.accumulate(np.where(peak, index, -1), axis=1)
    here = values[rows, start]
    up_right = values[rows, np.minimum(start + 1, size - 1)] > here
    up_left = values[rows, np.maximum(start - 1, 0)] > here
    out = np.where(up_right, right[rows, start], np.where(up_left, left[rows, start], start))
    return np.clip(out, 0, size - 1)


def _edges(
    profiles,
    offsets,
    *,
    polarity,
    prior_mm,
    smooth_mm,
    pixel_mm=0.0,
    step_mm=1.0,
    min_step=10.0,
    outermost=False,
) -> tuple[np.ndarray, np.ndarray]:
    """Offset (mm) of the best edge of each profile and whether it is trustworthy.

    ``outermost``: take the last clear edge along the profile (at least half as steep as the
    steepest) instead of the one nearest the prior, e.g. where the dark lip line finally ends.

    ``pixel_mm``: the image's pixel size; smoothing never goes below 0.7 pixel, or the slope of the
    interpolated profile would peak at pixel boundaries instead of at the edge.
    """
    from scipy.ndimage import gaussian_filter1d

    smooth_mm = max(smooth_mm, 0.7 * pixel_mm)

    smoothed = gaussian_filter1d(profiles, smooth_mm / _STEP_MM, axis=-1, mode="nearest")
    gradient = np.gradient(smoothed, _STEP_MM, axis=-1)
    signed = np.abs(gradient) if polarity == 0 else polarity * gradient
    prior = np.exp(-0.5 * (offsets / prior_mm) ** 2)
    # The prior only chooses which edge; the position is the unweighted slope's own peak, so a broad
    # (blurred) edge is not pulled towards FaceMesh's estimate.
    best = np.argmax(signed * prior, axis=-1)
    rows = np.arange(profiles.shape[0])
    last = offsets.size - 1
    if outermost:
        peak = np.zeros_like(signed, dtype=bool)
        peak[:, 1:-1] = (signed[:, 1:-1] >= signed[:, :-2]) & (signed[:, 1:-1] >= signed[:, 2:])
        peak &= signed >= 0.5 * signed.max(axis=-1, keepdims=True)
        best = np.where(peak.any(axis=-1), last - np.argmax(peak[:, ::-1], axis=-1), best)
    best = _climb(signed, best)
    inner = np.clip(best, 1, last - 1)
    left, mid, right = signed[rows, inner - 1], signed[rows, inner], signed[rows, inner + 1]
    curvature = left - 2 * mid + right
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = np.where(curvature < 0, 0.5 * (left - right) / curvature, 0.0)
    delta = np.where(best == inner, np.clip(delta, -0.5, 0.5), 0.0)
    position = offsets[best] + delta * _STEP_MM
    strength = signed[rows, best]
    # Slopes that noise alone would make at the smoothing scale: the residual's spread per smoothing width.
    noise = (profiles - smoothed).std(axis=-1) / smooth_mm
    # The step itself: mean level just before the edge against just after it (0.2-1.2 mm away).
    distance = offsets[None, :] - position[:, None]
    before = (distance < -0.2) & (distance > -0.2 - step_mm)
    after = (distance > 0.2) & (distance < 0.2 + step_mm)
    with np.errstate(invalid="ignore"):
        level_before = np.where(before, smoothed, 0.0).sum(-1) / np.maximum(before.sum(-1), 1)
        level_after = np.where(after, smoothed, 0.0).sum(-1) / np.maximum(after.sum(-1), 1)
    step = np.abs(level_after - level_before)
    # A real edge: a clear step (MIN_STEP grey levels) whose slope stands well above the noise, and
    # not at the window's end (the edge would lie outside it).
    trusted = (
        (step >= min_step)
        & (before.sum(-1) > 0)
        & (after.sum(-1) > 0)
        & (strength > 3.0 * noise)
        & (best > 0)
        & (best < last)
    )
    return position, trusted


def refine_landmarks(rgb: np.ndarray, landmarks: np.ndarray, *, mm_per_px: float | None = None) -> Refinement:
    """Snap the measured landmarks of one face to their image edges. ``landmarks``: (478, 3) pixels."""
    face = np.array(landmarks, dtype=np.float64, copy=True)
    if face.shape != (ix.N_LANDMARKS, 3):
        raise ValueError(f"expected one face of shape ({ix.N_LANDMARKS}, 3)")
    # Work on the face's bounding box only (colour conversion of a whole 720p frame costs more
    # than all the searches together).
    height, width = rgb.shape[:2]
    span = face[:, :2].max(axis=0) - face[:, :2].min(axis=0)
    x0, y0 = np.maximum(np.floor(face[:, :2].min(axis=0) - 0.15 * span), 0).astype(int)
    x1, y1 = np.minimum(np.ceil(face[:, :2].max(axis=0) + 0.15 * span), [width, height]).astype(int)
    offset = np.array([x0, y0], dtype=np.float64)
    face[:, :2] -= offset
    refinement = _refine(rgb[y0:y1, x0:x1], face, mm_per_px)
    refinement.landmarks[:, :2] += offset
    return refinement


def _refine(rgb: np.ndarray, face: np.ndarray, mm_per_px: float | None) -> Refinement:
    channels = _channels(np.ascontiguousarray(rgb))
    gray = channels["luma"]
    iris_kept = _refine_irises(gray, face)
    openness = g.eye_openness(face)[0]
    eyes_open = bool((openness >= g.EYE_CLOSED_RATIO).all())
    if mm_per_px is not None:
        scale = float(mm_per_px)
    else:
        scale = g.IRIS_DIAMETER_MM / float(g.iris_diameters_px(face)[0].mean()) if eyes_open else float("nan")
    if not np.isfinite(scale) or scale <= 0:
        # Without a scale (eyes closed, no reference) use the eye spacing: ~62 mm between pupils.
        points = face[:, :2]
        scale = 62.0 / float(np.linalg.norm(points[ix.IRIS_CENTRE[1]] - points[ix.IRIS_CENTRE[0]]))
    px_per_mm = 1.0 / scale
    origin, axis = g._frame(face[None, :, :2], use_iris=np.array([eyes_open]))
    along = axis[0]  # towards the subject's left
    down = np.array([-along[1], along[0]])  # image "down" in the face frame
    moved: dict[str, float] = {}
    kept: dict[str, int] = {"iris": iris_kept}
    closed = openness < g.EYE_CLOSED_RATIO
    for search in _SEARCHES:
        groups = [
            np.asarray(group)
            for side, group in enumerate(search.groups)
            if not (search.name in ("upper_lid", "lower_lid") and closed[side])
        ]
        if not groups:
            continue
        idx = np.concatenate(groups)
        profiles, offsets = _profiles(
            channels[search.channel], face[idx, :2], down, along, search.half_window_mm, search.band_mm, px_per_mm
        )
        shift, trusted = _edges(
            profiles,
            offsets,
            polarity=search.polarity,
            prior_mm=search.prior_mm,
            smooth_mm=search.smooth_mm,
            pixel_mm=scale,
            min_step=search.min_step,
        )
        shift = np.where(trusted, shift, 0.0)
        face[idx, :2] += shift[:, None] * px_per_mm * down
        moved[search.name] = round(float(np.abs(shift[trusted]).mean()) if trusted.any() else 0.0, 3)
        kept[search.name] = int((~trusted).sum())
    _refine_corners(gray, face, along, down, px_per_mm, moved, kept)
    return Refinement(landmarks=face, moved_mm=moved, kept=kept)


# The commissure is where the valley between the lips has faded to half its depth inside the mouth.
FADE = 0.5


def _refine_corners(gray, face, along, down, px_per_mm, moved, kept) -> None:
    """Mouth corners: follow the dark valley between the lips outwards from the inner corner of the
    mouth, re-centring on the valley at every step, until the valley fades into the skin. Where it
    fades is the commissure; with the mouth open this is past the tip of the opening, where the lips
    still meet in a shallow crease."""
    import cv2
    from scipy.ndimage import gaussian_filter1d

    pixel_mm = 1.0 / px_per_mm
    step_mm, reach_mm, span_mm = 0.25, 9.0, 6.0
    columns = np.arange(0.0, reach_mm + 1e-9, step_mm)
    rows = np.arange(-span_mm, span_mm + 1e-9, _STEP_MM)
    window = int(round(1.6 / _STEP_MM))  # the valley's profile: ±1.6 mm
    search = int(round(0.6 / _STEP_MM))  # the valley may move ±0.6 mm per step
    flank = int(round(1.0 / _STEP_MM))  # skin either side: 1.0-1.6 mm from the valley
    sigma = max(0.15, 0.6 * pixel_mm) / _STEP_MM
    shifts = []
    untrusted = 0
    inner_corners = (ix.INNER_LIP_UPPER[0], ix.INNER_LIP_UPPER[-1])
    for side, corner_index in enumerate(ix.COMMISSURE):
        outward = along if side == ix.LEFT else -along
        start = face[inner_corners[side], :2].copy()
        # One resampled patch in the face's frame (rows: down, columns: outward), then the walk is
        # array indexing only.
        grid = (
            start[None, None, :] + rows[:, None, None] * px_per_mm * down + columns[None, :, None] * px_per_mm * outward
        ).astype(np.float32)
        patch = cv2.remap(gray, grid[..., 0], grid[..., 1], cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
        patch = gaussian_filter1d(patch, sigma, axis=0, mode="nearest")
        offsets = np.arange(-window, window + 1)
        near = np.abs(offsets) <= search
        far = np.abs(offsets) >= flank
        row = int(np.argmin(np.abs(rows)))
        path, depths = [], []
        for column in range(columns.size):
            if row - window < 0 or row + window >= rows.size:
                break
            profile = patch[row - window : row + window + 1, column]
            lowest = int(np.flatnonzero(near)[np.argmin(profile[near])])
            depths.append(float(profile[far].mean() - profile[lowest]))
            row += int(offsets[lowest])
            path.append(start + rows[row] * px_per_mm * down + columns[column] * px_per_mm * outward)
        if len(path) < 4:
            untrusted += 1
            continue
        depths_arr = gaussian_filter1d(np.asarray(depths), 1.5, mode="nearest")
        path_arr = np.asarray(path)
        path_arr = np.stack([gaussian_filter1d(path_arr[:, i], 1.5, mode="nearest") for i in range(2)], axis=1)
        path = list(path_arr)
        reference = float(depths_arr[: max(2, int(1.0 / step_mm))].max())
        faded = np.flatnonzero(depths_arr < FADE * reference)
        faded = faded[faded >= 2]
        if reference < 10.0 or faded.size == 0:
            untrusted += 1
            continue
        k = int(faded[0])
        # Where the depth crosses the threshold, between the last deep step and the first faded one.
        d0, d1 = depths_arr[k - 1], depths_arr[k]
        t = float(np.clip((d0 - FADE * reference) / max(d0 - d1, 1e-6), 0.0, 1.0))
        corner = path[k - 1] + t * (path[k] - path[k - 1])
        # Then the precise end: the outermost dark-to-light step along the path's last direction.
        back = max(0, k - int(1.0 / step_mm))
        direction = path[k] - path[back]
        if np.linalg.norm(direction) > 0:
            direction = direction / np.linalg.norm(direction)
            lateral, lateral_offsets = _profiles(gray, corner[None], direction, down, 1.5, 0.2, px_per_mm)
            offset, ok = _edges(
                lateral,
                lateral_offsets,
                polarity=+1,
                prior_mm=1.0,
                smooth_mm=0.3,
                pixel_mm=pixel_mm,
                outermost=True,
            )
            if ok[0]:
                corner = corner + offset[0] * px_per_mm * direction
        original = face[corner_index, :2].copy()
        if np.linalg.norm(corner - original) > 4.0 * px_per_mm:
            untrusted += 1
            continue
        shifts.append(float(np.linalg.norm(corner - original) / px_per_mm))
        face[corner_index, :2] = corner
    moved["commissure"] = round(float(np.mean(shifts)) if shifts else 0.0, 3)
    kept["commissure"] = untrusted


# Below this iris radius the limbus is a blur a few pixels wide; FaceMesh's iris model does better.
MIN_IRIS_RADIUS_PX = 6.0


def _refine_irises(gray, face) -> int:
    """Measure each iris from its limbus (dark iris against the white sclera) and return how many
    eyes kept FaceMesh's iris.

    Horizontal chords are measured on rows across the visible iris. A chord at height y satisfies
    chord^2 + 4 y^2 = 4 (R^2 - yc^2) + 8 yc y, a straight line in y: fitted over the rows, it gives
    the radius R from every row at once (the horizontal diameter sets the mm scale, so it must come
    from the image, not from FaceMesh's prior). Rows cut short by a lid are dropped before the fit.
    """
    untrusted = 0
    points = face[:, :2]
    origin, axis = g._frame(points[None], use_iris=np.ones(1, dtype=bool))
    along = axis[0]
    down = np.array([-along[1], along[0]])
    openness = g.eye_openness(points[None])[0]
    for side in (ix.RIGHT, ix.LEFT):
        centre = points[ix.IRIS_CENTRE[side]]
        ends = points[list(ix.IRIS_HORIZONTAL[side])]
        radius = float(np.linalg.norm(ends[0] - ends[1]) / 2.0)
        if openness[side] < g.EYE_CLOSED_RATIO or radius < MIN_IRIS_RADIUS_PX:
            untrusted += 1
            continue
        local = g._to_frame(points[None], centre[None], along[None])[0]  # y up, origin at the iris centre
        upper = local[list(ix.UPPER_LID[side])]
        lower = local[list(ix.LOWER_LID[side])]
        lid_top = float(g.interp_contour(upper[None, :, 0], upper[None, :, 1], np.zeros((1, 1)))[0, 0])
        lid_bottom = float(g.interp_contour(lower[None, :, 0], lower[None, :, 1], np.zeros((1, 1)))[0, 0])
        top = min(0.6 * radius, lid_top - 0.15 * radius)
        bottom = max(-0.6 * radius, lid_bottom + 0.15 * radius)
        if top - bottom < 0.1 * radius:
            untrusted += 1
            continue
        rows = np.linspace(bottom, top, 9)  # heights above FaceMesh's centre, in pixels
        half = np.sqrt(np.maximum(radius**2 - rows**2, 0.0))
        # Both ends of every chord in one pass: searched outwards from the centre on each side.
        outward = np.concatenate([np.repeat(-along[None], rows.size, 0), np.repeat(along[None], rows.size, 0)])
        starts = np.concatenate([centre[None] - rows[:, None] * down] * 2) + np.tile(half, 2)[:, None] * outward
        profiles, offsets = _profiles(gray, starts, outward, down, 0.45 * radius, 0.06 * radius, 1.0)
        position, trusted = _edges(
            profiles, offsets, polarity=+1, prior_mm=0.25 * radius, smooth_mm=0.1 * radius, pixel_mm=1.0
        )
        ends = starts + position[:, None] * outward
        found = [ends[: rows.size], ends[rows.size :]]
        trusted_both = trusted[: rows.size] & trusted[rows.size :]
        chords = np.linalg.norm(found[1] - found[0], axis=-1)
        keep = trusted_both & (chords >= 0.75 * chords[trusted_both].max(initial=0.0))
        if keep.sum() >= 3:
            slope, intercept = np.polyfit(rows[keep], chords[keep] ** 2 + 4 * rows[keep] ** 2, 1)
            centre_height = slope / 8.0  # of the limbus circle above FaceMesh's centre
            new_radius = float(np.sqrt(max(intercept / 4.0 + centre_height**2, 0.0)))
        elif keep.any():
            new_radius = float(chords[keep].max() / 2.0)
        else:
            untrusted += 1
            continue
        midpoints = (found[0][keep] + found[1][keep]) / 2.0
        shift_along = float(np.mean((midpoints - centre) @ along))
        if not (0.75 * radius < new_radius < 1.25 * radius) or abs(shift_along) > 0.5 * radius:
            untrusted += 1
            continue
        # Only the horizontal position moves: the vertical one rests on the lower arc of the limbus
        # where the upper lid hides the rest, and FaceMesh's estimate of it is steadier.
        new_centre = centre + shift_along * along
        face[ix.IRIS_CENTRE[side], :2] = new_centre
        h_ends, v_ends = ix.IRIS_HORIZONTAL[side], ix.IRIS_VERTICAL[side]
        for ends_of, direction in ((h_ends, along), (v_ends, down)):
            for index in ends_of:
                sign = 1.0 if np.dot(points[index] - centre, direction) >= 0 else -1.0
                face[index, :2] = new_centre + sign * new_radius * direction
    return untrusted
