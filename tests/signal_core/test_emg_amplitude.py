import numpy as np
import pytest
from emg_synthetic import Burst, synthetic_emg

from signal_core.emg import (
    Calibration,
    calibrate,
    filter_emg,
    linear_envelope,
    moving_rms,
    normalise,
    rest_baseline,
    symmetry_index,
)

FS = 2000.0


def brute_force_rms(x: np.ndarray, width: int, *, causal: bool) -> np.ndarray:
    out = np.full(x.shape, np.nan)
    first = width - 1 if causal else (width - 1) // 2
    for start in range(x.shape[-1] - width + 1):
        out[..., first + start] = np.sqrt(np.mean(x[..., start : start + width] ** 2, axis=-1))
    return out


@pytest.mark.parametrize("causal", [False, True])
def test_moving_rms_equals_the_sliding_window_definition(causal):
    x = np.random.default_rng(0).standard_normal((2, 700)) * 3
    np.testing.assert_allclose(
        moving_rms(x, FS, 0.05, causal=causal), brute_force_rms(x, 100, causal=causal), rtol=1e-10
    )


def test_moving_rms_of_a_sine_is_amplitude_over_root_two():
    t = np.arange(4000) / FS
    rms = moving_rms(3.0 * np.sin(2 * np.pi * 100 * t), FS, 0.1)
    assert np.nanmax(np.abs(rms - 3.0 / np.sqrt(2))) < 1e-9
    assert np.isnan(rms[:99]).all() and np.isnan(rms[-100:]).all()  # incomplete windows


def test_moving_rms_windows_touching_a_gap_are_nan_and_others_are_not():
    x = np.random.default_rng(1).standard_normal(2000)
    x[1000:1010] = np.nan
    rms = moving_rms(x, FS, 0.05, causal=True)
    assert np.isnan(rms[1000 : 1010 + 99]).all()
    assert np.isfinite(rms[99:1000]).all() and np.isfinite(rms[1010 + 99 :]).all()


def test_linear_envelope_of_a_sine_is_its_mean_rectified_value():
    t = np.arange(8000) / FS
    envelope = linear_envelope(2.0 * np.sin(2 * np.pi * 80 * t), FS, cutoff=6.0)
    assert envelope[2000:-2000] == pytest.approx(2 * 2.0 / np.pi, rel=0.01)


@pytest.mark.parametrize("ratio", [0.25, 0.5, 0.8, 1.3])
def test_rms_ratio_between_sides_is_recovered_within_five_percent(ratio):
    # Affected side at `ratio` times the healthy side's amplitude during a 10 s expression.
    bursts = [Burst(0, 1.0, 11.0, 20.0 * ratio), Burst(1, 1.0, 11.0, 20.0)]
    x = synthetic_emg(bursts, duration=12.0, seed=int(ratio * 100))
    filtered = filter_emg(x, FS)[:, 2200:21800]
    rms = np.sqrt(np.mean(filtered**2, axis=-1))
    assert symmetry_index(rms[0], rms[1]) == pytest.approx(ratio, rel=0.05)


def test_rest_baseline_finds_rest_wherever_it_is_and_is_not_biased_low():
    rng = np.random.default_rng(2)
    envelope = 1.0 + 0.1 * rng.standard_normal((2, 20000))
    envelope[0, :12000] += 4.0  # channel 0 rests only at the end, channel 1 only at the start
    envelope[1, 8000:] += 4.0
    baseline = rest_baseline(envelope, FS, 0.25)
    np.testing.assert_allclose(baseline.mean, 1.0, rtol=0.01)
    np.testing.assert_allclose(baseline.sd, 0.1, rtol=0.05)
    assert baseline.start[0] >= 12000 and baseline.start[1] + 500 <= 8000
    quietest = rest_baseline(envelope, FS, 0.25, clip=None)
    assert (quietest.mean < baseline.mean).all()  # the minimum window alone reads low


def test_rest_baseline_skips_windows_with_gaps():
    envelope = np.ones(4000)
    envelope[:2000] = 0.5
    envelope[100:110] = np.nan  # only the quiet part has a gap: one clean quiet window remains
    baseline = rest_baseline(envelope, FS, 0.5, clip=None)
    assert baseline.start >= 110 and baseline.mean == pytest.approx(0.5)


def test_calibrate_measures_rest_and_maximal_expression_per_channel():
    t = np.arange(round(6 * FS)) / FS
    amplitude = np.where(t < 2, 1.0, np.where(t < 4, 10.0, 4.0))
    recording = np.stack([amplitude, 2 * amplitude]) * np.sin(2 * np.pi * 100 * t)
    calibration = calibrate(recording, FS, rest=(200, 3800), maximum=[(4200, 7800), (4200, 7800)])
    np.testing.assert_allclose(calibration.rest, [1 / np.sqrt(2), 2 / np.sqrt(2)], rtol=0.01)
    np.testing.assert_allclose(calibration.maximum, [10 / np.sqrt(2), 20 / np.sqrt(2)], rtol=0.01)
    level = 4 / np.sqrt(2)
    expected = 100 * (level - 1 / np.sqrt(2)) / (10 / np.sqrt(2) - 1 / np.sqrt(2))
    assert normalise(level, calibration.rest[0], calibration.maximum[0]) == pytest.approx(expected, rel=0.02)


def test_normalise_maps_rest_to_zero_and_maximum_to_hundred_without_clipping():
    rest, maximum = np.array([1.0, 2.0]), np.array([11.0, 4.0])
    values = np.array([[1.0, 6.0, 11.0, 16.0], [2.0, 3.0, 4.0, 1.0]])
    expected = [[0, 50, 100, 150], [0, 50, 100, -50]]
    np.testing.assert_allclose(normalise(values, rest[:, None], maximum[:, None]), expected)


@pytest.mark.parametrize(
    ("rest", "maximum", "message"),
    [
        ((1.0, 2.0), (0.5, 3.0), "not above its rest level"),
        ((1.0,), (2.0, 3.0), "rest has 1 channel"),
        ((float("nan"),), (2.0,), "finite"),
    ],
)
def test_unusable_calibration_is_refused(rest, maximum, message):
    with pytest.raises(ValueError, match=message):
        Calibration(rest, maximum)


def test_calibration_ranges_are_checked():
    recording = np.random.default_rng(3).standard_normal((2, 4000))
    with pytest.raises(ValueError, match="rest"):
        calibrate(recording, FS, rest=(3000, 5000), maximum=(0, 1000))
    with pytest.raises(ValueError, match="maximum needs one"):
        calibrate(recording, FS, rest=(0, 1000), maximum=[(0, 100)] * 3)


def test_moving_rms_refuses_a_window_longer_than_the_signal():
    with pytest.raises(ValueError, match="at least 200"):
        moving_rms(np.zeros(150), FS, 0.1)
