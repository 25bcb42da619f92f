"""The measuring frame, the scale and the measures, as geometry: invariant to where the face sits
in the picture, exact for known movements of the landmarks, the same frame by frame or vectorised."""

from __future__ import annotations

import numpy as np
import pytest

from signal_core.face import geometry as g
from signal_core.face import indices as ix


def _rotate(face: np.ndarray, degrees: float, centre=(300.0, 300.0)) -> np.ndarray:
    theta = np.radians(degrees)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    out = face.copy()
    out[:, :2] = (face[:, :2] - centre) @ rotation.T + centre
    return out


def _close(a: dict, b: dict, tol: float) -> None:
    for side in ("right", "left", "bilateral"):
        for name, value in a[side].items():
            other = b[side][name]
            if value is None:
                assert other is None, name
            else:
                assert other == pytest.approx(value, abs=tol), (side, name)


def test_tilting_moving_or_zooming_the_photo_does_not_change_any_measure(portrait):
    _, face = portrait
    reference = g.measure(face).frame(0)
    tilted = _rotate(face, 14.0)
    moved = face + np.array([37.0, -21.0, 0.0])
    zoomed = face * np.array([1.7, 1.7, 1.7])
    _close(reference, g.measure(tilted).frame(0), 1e-6)
    _close(reference, g.measure(moved).frame(0), 1e-6)
    _close(reference, g.measure(zoomed).frame(0), 1e-6)
    assert g.measure(zoomed).mm_per_px[0] == pytest.approx(g.measure(face).mm_per_px[0] / 1.7)


def test_the_scale_is_11_77_mm_over_the_mean_horizontal_iris_diameter(portrait):
    _, face = portrait
    diameters = [np.linalg.norm(face[a, :2] - face[b, :2]) for a, b in ix.IRIS_HORIZONTAL]
    assert g.iris_scale(face)[0] == pytest.approx(11.77 / np.mean(diameters))


def test_the_subjects_right_is_the_image_left_in_a_frontal_photo(portrait):
    _, face = portrait
    assert face[ix.IRIS_CENTRE[ix.RIGHT], 0] < face[ix.IRIS_CENTRE[ix.LEFT], 0]
    aligned = g.measure(face).aligned_mm[0]
    assert aligned[ix.COMMISSURE[ix.RIGHT], 0] < 0 < aligned[ix.COMMISSURE[ix.LEFT], 0]


def test_raising_the_left_brow_border_changes_the_left_brow_height_only(portrait):
    _, face = portrait
    before = g.measure(face)
    raised = face.copy()
    # Up in the face's own frame (the photo is tilted about 3 degrees).
    _, axis = g._frame(face[None, :, :2], use_iris=np.ones(1, dtype=bool))
    up = np.array([axis[0, 1], -axis[0, 0]])
    raised[list(ix.BROW_UPPER[ix.LEFT]), :2] += 12.0 * up
    after = g.measure(raised)
    expected = 12.0 * before.mm_per_px[0]
    change = after.per_side["brow_height"][0] - before.per_side["brow_height"][0]
    assert change[ix.LEFT] == pytest.approx(expected, rel=1e-6)
    assert change[ix.RIGHT] == pytest.approx(0.0, abs=1e-9)


def test_measures_of_many_frames_at_once_equal_frame_by_frame(portrait):
    _, face = portrait
    rng = np.random.default_rng(7)
    frames = np.stack([_rotate(face, a) + rng.normal(0, 0.6, face.shape) for a in (-5, 0, 3, 9)])
    together = g.measure(frames)
    for i in range(frames.shape[0]):
        alone = g.measure(frames[i])
        for name, values in together.per_side.items():
            np.testing.assert_allclose(values[i], alone.per_side[name][0], rtol=1e-12, atol=1e-12)


def test_a_closed_eye_has_no_iris_scale_and_takes_the_rest_photos(portrait):
    _, face = portrait
    closed = face.copy()
    # Bring the left upper lid down onto the lower lid.
    closed[list(ix.UPPER_LID[ix.LEFT]), :2] = face[list(ix.LOWER_LID[ix.LEFT]), :2]
    assert np.isnan(g.iris_scale(closed)[0])
    measured = g.measure(closed)
    assert not measured.iris_frame[0]
    assert np.isnan(measured.per_side["brow_height"][0]).all()
    # Same face photographed from further away: the width at the temples carries the scale over.
    further = closed * 0.8
    carried = g.transfer_scale(float(g.iris_scale(face)[0]), face, further)
    assert carried[0] == pytest.approx(g.iris_scale(face)[0] / 0.8)
    measured = g.measure(further, carried)
    assert measured.per_side["palpebral_fissure"][0, ix.LEFT] == pytest.approx(0.0, abs=1e-9)
    assert measured.per_side["palpebral_fissure"][0, ix.RIGHT] > 6.0


def test_contour_interpolation_is_linear_inside_and_flat_outside():
    xs = np.array([[0.0, 2.0, 1.0]])
    ys = np.array([[0.0, 4.0, 1.0]])
    values = g.interp_contour(xs, ys, np.array([[-1.0, 0.5, 1.5, 3.0]]))
    np.testing.assert_allclose(values, [[0.0, 0.5, 2.5, 4.0]])


def test_landmarks_of_the_wrong_shape_are_refused():
    with pytest.raises(ValueError, match="478"):
        g.measure(np.zeros((468, 3)))
