import numpy as np
import pytest
from emg_synthetic import Burst, synthetic_emg

from signal_core.emg import (
    detect_activity,
    filter_emg,
    onset_envelope,
    rest_baseline,
    teager_kaiser,
)

FS = 2000.0


def burst_table(seed: int) -> list[Burst]:
    """Six bursts per channel at irregular times, 5-30x the rest amplitude, 0.3-1.2 s long."""
    rng = np.random.default_rng(seed)
    bursts = []
    for channel in range(2):
        start = 1.0 + rng.uniform(0, 0.5)
        for _ in range(6):
            length = rng.uniform(0.3, 1.2)
            bursts.append(Burst(channel, start, start + length, rng.uniform(5.0, 30.0)))
            start += length + rng.uniform(0.8, 1.6)
    return bursts


def detect(x: np.ndarray, *, tkeo: bool = False, k: float = 3.0):
    envelope = onset_envelope(filter_emg(x, FS, causal=True), FS, tkeo=tkeo)
    baseline = rest_baseline(envelope, FS, 0.25)
    return detect_activity(envelope, FS, baseline.mean + k * baseline.sd, min_duration=0.025)


@pytest.mark.parametrize("tkeo", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_burst_onset_is_found_within_ten_ms_at_2_khz(seed, tkeo):
    truth = burst_table(seed)
    duration = max(b.stop for b in truth) + 1.0
    x = synthetic_emg(truth, duration=duration, seed=seed)
    activity = detect(x, tkeo=tkeo)
    for channel in range(2):
        expected = np.array([b.start for b in truth if b.channel == channel])
        found = activity.bursts.in_row(channel)
        assert len(found) == len(expected), f"channel {channel}: {found / FS} vs {expected}"
        errors_ms = (found[:, 0] / FS - expected) * 1000
        assert np.abs(errors_ms).max() <= 10.0, errors_ms
        # Offsets are not held to 10 ms (the burst fades through the smoothing), but they are
        # found at the right burst end.
        ends = np.array([b.stop for b in truth if b.channel == channel])
        assert np.abs(found[:, 1] / FS - ends).max() < 0.05


def test_first_burst_gives_one_onset_and_offset_per_channel():
    x = synthetic_emg([Burst(0, 2.0, 3.0, 10.0), Burst(1, 2.5, 2.9, 10.0)], duration=5.0, seed=4)
    onset, offset = detect(x).first_burst()
    np.testing.assert_allclose(onset / FS, [2.0, 2.5], atol=0.01)
    np.testing.assert_allclose(offset / FS, [3.0, 2.9], atol=0.05)


def test_quiet_recording_has_no_bursts():
    activity = detect(synthetic_emg([], duration=20.0, seed=5))
    assert activity.bursts.start.size == 0
    onset, offset = activity.first_burst()
    assert onset.tolist() == [-1, -1] and offset.tolist() == [-1, -1]


def test_a_burst_must_hold_for_the_minimum_duration():
    envelope = np.zeros(2000)
    envelope[200:220] = 5.0  # 10 ms: a blip
    envelope[1000:1080] = 5.0  # 40 ms: a burst
    activity = detect_activity(envelope, FS, 1.0, min_duration=0.025)
    assert activity.bursts.in_row().tolist() == [[1000, 1080]]


def test_dips_shorter_than_the_release_time_do_not_end_a_burst():
    envelope = np.zeros(4000)
    envelope[500:1500] = 5.0
    envelope[900:920] = 0.0  # 10 ms dip: same burst
    envelope[2000:2600] = 5.0
    envelope[2200:2300] = 0.0  # 50 ms dip: two bursts
    activity = detect_activity(envelope, FS, 1.0, min_duration=0.025)
    assert activity.bursts.in_row().tolist() == [[500, 1500], [2000, 2200], [2300, 2600]]
    assert activity.active.sum() == 1000 + 200 + 300


def test_noise_just_before_an_onset_does_not_pull_it_early():
    envelope = np.zeros(2000)
    envelope[990:1000] = 5.0  # a short blip right before
    envelope[1010:1500] = 5.0
    activity = detect_activity(envelope, FS, 1.0, min_duration=0.025)
    assert activity.bursts.start.tolist() == [1010]


def test_bursts_at_gaps_and_edges_are_censored_and_not_reported_as_onsets():
    envelope = np.zeros((2, 3000))
    envelope[0, :300] = 5.0  # already active when the recording starts
    envelope[0, 1000:1200] = np.nan
    envelope[0, 1200:1600] = 5.0  # active when the signal comes back after a gap
    envelope[0, 2000:2400] = 5.0  # a real, observed onset
    envelope[1, 2800:] = 5.0  # still active at the end
    activity = detect_activity(envelope, FS, 1.0, min_duration=0.025)
    assert activity.left_censored.tolist() == [True, True, False, False]
    assert activity.right_censored.tolist() == [False, False, False, True]
    onset, offset = activity.first_burst()
    assert onset.tolist() == [2000, 2800] and offset.tolist() == [2400, -1]


def test_activity_works_over_leading_axes_and_any_samples_axis():
    envelope = np.zeros((3, 2, 1000))
    envelope[2, 1, 400:600] = 3.0
    activity = detect_activity(envelope, FS, np.full((3, 2), 1.0))
    assert activity.bursts.index.tolist() == [[2, 1]]
    moved = detect_activity(np.moveaxis(envelope, -1, 0), FS, np.full((3, 2), 1.0), axis=0)
    assert moved.bursts.start.tolist() == [400] and moved.active.shape == (1000, 3, 2)
    assert moved.active[400:600, 2, 1].all() and moved.active.sum() == 200


def test_threshold_that_does_not_fit_the_channels_is_refused():
    with pytest.raises(ValueError, match="does not broadcast"):
        detect_activity(np.zeros((2, 1000)), FS, np.ones(3))


def test_teager_kaiser_of_a_sine_is_constant_amplitude_squared_sin_squared_omega():
    omega = 2 * np.pi * 100 / FS
    x = 3.0 * np.sin(omega * np.arange(500) + 0.3)
    np.testing.assert_allclose(teager_kaiser(x), 9.0 * np.sin(omega) ** 2, rtol=1e-9)
