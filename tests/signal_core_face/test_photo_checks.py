"""Photos that cannot be measured say why: no face, several faces, too small, head turned,
blurred, eyes closed in the rest photo that calibrates the set."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from signal_core.face import geometry as g
from signal_core.face import indices as ix
from signal_core.face.pipeline import analyse_photo, measure_set
from signal_core.face.synthetic import close_eyes, turn_head


def test_a_photo_without_a_face_says_so():
    from skimage import data

    result = analyse_photo(np.ascontiguousarray(data.coffee()))
    assert result.failure is not None and result.failure.code == "no_face"
    assert "No face" in result.failure.message


def test_two_people_in_the_photo_is_refused(portrait):
    image, _ = portrait
    pair = np.ascontiguousarray(np.concatenate([image, image[:, ::-1]], axis=1))
    result = analyse_photo(pair)
    assert result.failure.code == "several_faces"
    assert "2 faces" in result.failure.message


def test_a_small_face_in_the_background_is_not_another_person(portrait):
    image, _ = portrait
    small = cv2.resize(image, None, fx=0.3, fy=0.3, interpolation=cv2.INTER_AREA)
    canvas = np.full((image.shape[0], image.shape[1] + small.shape[1], 3), 235, np.uint8)
    canvas[:, : image.shape[1]] = image
    canvas[: small.shape[0], image.shape[1] :] = small
    assert analyse_photo(canvas).failure is None


def test_a_blurred_photo_is_refused_with_its_sharpness(portrait):
    image, face = portrait
    mm = 1.0 / float(g.iris_scale(face)[0])
    blurred = cv2.GaussianBlur(image, (0, 0), 2.5 * mm * 0.7)
    result = analyse_photo(blurred)
    assert result.failure is not None and result.failure.code == "blurred", result.failure
    assert "sharpness" in result.failure.message
    assert analyse_photo(image).failure is None


@pytest.mark.parametrize(("degrees", "side"), [(35, "left"), (-35, "right")])
def test_a_head_turned_away_is_refused_with_the_direction(portrait, degrees, side):
    image, face = portrait
    result = analyse_photo(turn_head(image, face, degrees))
    assert result.failure is not None and result.failure.code == "head_turned"
    assert f"to the patient's {side}" in result.failure.message


def test_a_slight_turn_is_measured_with_a_warning(portrait):
    image, face = portrait
    result = analyse_photo(turn_head(image, face, 14))
    assert result.failure is None
    assert "head_slightly_turned" in [w.code for w in result.warnings]


def test_a_tiny_face_cannot_be_measured(portrait):
    image, _ = portrait
    tiny = cv2.resize(image, None, fx=0.18, fy=0.18, interpolation=cv2.INTER_AREA)
    canvas = np.full((480, 480, 3), 230, np.uint8)
    canvas[: tiny.shape[0], : tiny.shape[1]] = tiny
    result = analyse_photo(canvas)
    assert result.failure is not None
    assert result.failure.code in ("face_too_small", "no_face")


def test_closed_eyes_in_the_rest_photo_cannot_calibrate_the_set(portrait):
    image, face = portrait
    shut = close_eyes(image, face, (ix.RIGHT, ix.LEFT))
    measured = measure_set({"rest": analyse_photo(shut), "large_smile": analyse_photo(image)})
    assert measured["rest"].failure.code == "eyes_closed_calibration"
    assert "rest photo" in measured["rest"].failure.message
    # A photo with open eyes still calibrates itself.
    assert measured["large_smile"].failure is None and measured["large_smile"].scale_method == "iris"


def test_an_eye_closure_photo_takes_the_rest_photos_scale(portrait):
    image, face = portrait
    shut = close_eyes(image, face, (ix.RIGHT, ix.LEFT))
    measured = measure_set({"rest": analyse_photo(image), "tight_eye_closure": analyse_photo(shut)})
    closure = measured["tight_eye_closure"]
    assert closure.failure is None and closure.scale_method == "rest_photo"
    assert closure.mm_per_px == pytest.approx(measured["rest"].mm_per_px, rel=0.015)
    assert closure.measures["left"]["palpebral_fissure"] < 1.5
    without_rest = measure_set({"tight_eye_closure": analyse_photo(shut)})
    assert without_rest["tight_eye_closure"].failure.code == "no_calibration"
