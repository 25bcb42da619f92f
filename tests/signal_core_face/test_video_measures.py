"""Measures over video frames: time series, the expression episodes and their peak excursion, and
ocular synkinesis as the eye narrowing while the mouth corner moves (pure arrays, no video file)."""

from __future__ import annotations

import numpy as np
import pytest

from signal_core.face import geometry as g
from signal_core.face import indices as ix
from signal_core.face.video import analyse_landmarks

FPS = 30.0


def _smile_sequence(face: np.ndarray, *, left_corner_mm: float, left_lid_mm: float, frames: int = 90):
    """Rest for 0.7 s, then the left mouth corner moves out and the left upper lid comes down, held,
    then back to rest. Returns landmarks (F, 478, 3), times and the activation per frame."""
    mm = 1.0 / float(g.iris_scale(face)[0])
    _, axis = g._frame(face[None, :, :2], use_iris=np.ones(1, dtype=bool))
    along = axis[0]
    down = np.array([-along[1], along[0]])
    times = np.arange(frames) / FPS
    k = np.clip((times - 0.7) / 0.5, 0, 1) * np.clip((2.4 - times) / 0.5, 0, 1)
    frames_out = np.repeat(face[None], frames, axis=0)
    frames_out[:, ix.COMMISSURE[ix.LEFT], :2] += (k * left_corner_mm * mm)[:, None] * along
    lid = list(ix.UPPER_LID[ix.LEFT][1:-1])
    frames_out[:, lid, :2] += (k * left_lid_mm * mm)[:, None, None] * down
    return frames_out, times, k


def test_the_left_corner_movement_shows_as_one_episode_with_its_peak(portrait):
    _, face = portrait
    frames, times, _ = _smile_sequence(face, left_corner_mm=6.0, left_lid_mm=0.0)
    result = analyse_landmarks(frames, times, np.ones(times.size, dtype=bool))
    assert len(result.episodes) == 1
    episode = result.episodes[0]
    assert 0.7 <= episode.start <= 1.0 and 1.9 <= episode.end <= 2.5
    peak = result.peaks[0]["measures"]["commissure_excursion"]
    # Moving the corner 6 mm outward lengthens the lip-to-corner line by about its outward share.
    aligned = g.measure(face).aligned_mm[0]
    to_corner = aligned[ix.COMMISSURE[ix.LEFT]] - g.lower_lip_midline(aligned[None])[0]
    expected = np.hypot(to_corner[0] + 6.0, to_corner[1]) - np.hypot(*to_corner)
    assert peak["left"]["change"] == pytest.approx(expected, abs=0.05)
    assert abs(peak["right"]["change"]) < 0.05


def test_the_eye_narrowing_while_the_corner_moves_is_ocular_synkinesis(portrait):
    _, face = portrait
    frames, times, _ = _smile_sequence(face, left_corner_mm=6.0, left_lid_mm=3.0)
    result = analyse_landmarks(frames, times, np.ones(times.size, dtype=bool))
    rest_fissure = result.baseline["palpebral_fissure"][ix.LEFT]
    left = result.synkinesis["left"]
    assert left["narrowing_pct"] == pytest.approx(3.0 / rest_fissure * 100, abs=1.0)
    assert left["correlation"] < -0.95
    assert left["eface"] == pytest.approx(100 - left["narrowing_pct"], abs=0.1)
    right = result.synkinesis["right"]
    assert abs(right["narrowing_pct"]) < 0.5


def test_a_face_lost_for_a_few_frames_is_bridged_and_for_long_stays_missing(portrait):
    _, face = portrait
    frames, times, _ = _smile_sequence(face, left_corner_mm=6.0, left_lid_mm=0.0)
    found = np.ones(times.size, dtype=bool)
    found[40:44] = False  # 0.13 s: bridged
    found[60:75] = False  # 0.5 s: left missing
    frames[~found] = np.nan
    result = analyse_landmarks(frames, times, found)
    assert result.found[40:44].all()
    assert not result.found[62:73].any()
    assert np.isnan(result.series["commissure_excursion"][65]).all()


def test_a_video_without_a_face_is_refused():
    frames = np.full((10, 478, 3), np.nan)
    with pytest.raises(ValueError, match="face"):
        analyse_landmarks(frames, np.arange(10) / FPS, np.zeros(10, dtype=bool))
