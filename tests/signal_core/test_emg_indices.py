import numpy as np
import pytest
from emg_synthetic import synthetic_emg
from scipy import signal

from signal_core.emg import (
    coactivation_ratio,
    design_bandpass,
    filter_emg,
    mean_frequency,
    median_frequency,
    onset_latency,
    power_spectrum,
    symmetry_index,
    time_in_zone,
    winter_overlap,
)

FS = 2000.0


def test_symmetry_index_is_affected_over_healthy_and_undefined_without_healthy_signal():
    np.testing.assert_allclose(symmetry_index([2.0, 3.0], [4.0, 3.0]), [0.5, 1.0])
    assert np.isnan(symmetry_index(1.0, 0.0)) and np.isnan(symmetry_index(1.0, np.nan))


def test_coactivation_ratio_compares_normalised_inhibit_with_normalised_target():
    target = np.full(1000, 0.8)
    inhibit = np.full(1000, 0.2)
    assert coactivation_ratio(inhibit, target) == pytest.approx(0.25)
    inhibit[:500] = np.nan  # gaps are left out of both means
    assert coactivation_ratio(inhibit, target) == pytest.approx(0.25)
    assert np.isnan(coactivation_ratio(inhibit, np.zeros(1000)))


def test_winter_overlap_is_twice_the_common_area_over_the_sum_of_areas():
    a = np.array([1.0, 1.0, 0.0, 0.0])
    b = np.array([0.0, 1.0, 1.0, 0.0])
    assert winter_overlap(a, b) == pytest.approx(0.5)
    assert winter_overlap(a, a) == pytest.approx(1.0)
    assert winter_overlap(a, 1 - a) == pytest.approx(0.0)
    np.testing.assert_allclose(winter_overlap(np.stack([a, a]), np.stack([b, a])), [0.5, 1.0])
    with pytest.raises(ValueError, match="non-negative"):
        winter_overlap(a, -b)
    with pytest.raises(ValueError, match="same shape"):
        winter_overlap(a, b[:3])


def test_onset_latency_in_seconds_and_undefined_when_an_onset_is_missing():
    np.testing.assert_allclose(onset_latency([100, 100, -1], [300, 60, 50], FS), [0.1, -0.02, np.nan])


def test_time_in_zone_for_uptraining_and_inhibition():
    target = np.concatenate([np.full(1000, 50.0), np.full(1000, 20.0)])  # % of calibration
    inhibit = np.concatenate([np.full(500, 10.0), np.full(1500, 35.0)])
    up = time_in_zone(target, FS, threshold=40.0)
    assert up.seconds == pytest.approx(0.5) and up.fraction == pytest.approx(0.5)
    both = time_in_zone(target, FS, threshold=40.0, inhibit=inhibit, ceiling=20.0)
    assert both.seconds == pytest.approx(0.25) and both.fraction == pytest.approx(0.25)
    target[:1000] = np.nan  # lost samples are neither in nor out of the zone
    assert time_in_zone(target, FS, threshold=10.0).fraction == pytest.approx(1.0)
    with pytest.raises(ValueError, match="both or neither"):
        time_in_zone(target, FS, threshold=1.0, ceiling=3.0)


def test_power_spectrum_matches_scipy_welch_and_skips_segments_with_gaps():
    x = np.random.default_rng(0).standard_normal((2, 10000)) + 0.3
    freqs, reference = signal.welch(x, FS, nperseg=512)
    spectrum = power_spectrum(x, FS)
    np.testing.assert_allclose(spectrum.freqs, freqs)
    np.testing.assert_allclose(spectrum.power, reference, rtol=1e-9, atol=1e-12 * reference.max())
    gapped = x.copy()
    gapped[:, 5000:] = np.nan
    gapped[1] = np.nan
    partial = power_spectrum(gapped, FS)
    # Frames start every 256 samples; those ending by sample 5000 are the first 18.
    np.testing.assert_allclose(partial.power[0], signal.welch(x[0, :4864], FS, nperseg=512)[1], rtol=1e-9)
    assert partial.segments.tolist() == [18, 0] and np.isnan(partial.power[1]).all()


def test_mean_and_median_frequency_of_tones_and_of_white_noise():
    t = np.arange(20000) / FS
    assert median_frequency(np.sin(2 * np.pi * 120 * t), FS) == pytest.approx(120, abs=2)
    assert mean_frequency(np.sin(2 * np.pi * 120 * t), FS) == pytest.approx(120, abs=2)
    # Two tones, the upper carrying 3/4 of the power: the median sits on the upper one.
    pair = np.sin(2 * np.pi * 80 * t) + np.sqrt(3) * np.sin(2 * np.pi * 200 * t)
    assert median_frequency(pair, FS, band=(20, 450)) == pytest.approx(200, abs=4)
    assert mean_frequency(pair, FS, band=(20, 450)) == pytest.approx(0.25 * 80 + 0.75 * 200, abs=2)
    noise = np.random.default_rng(1).standard_normal(200000)
    # White noise seen through the 20-450 Hz band has its mean and median mid-band, at 235 Hz.
    assert mean_frequency(noise, FS, band=(20, 450)) == pytest.approx(235, abs=3)
    assert median_frequency(noise, FS, band=(20, 450)) == pytest.approx(235, abs=3)


def test_mean_and_median_frequency_of_synthetic_emg_match_its_theoretical_spectrum():
    x = synthetic_emg([], duration=60.0, seed=2)
    filtered = filter_emg(x, FS)
    # The carrier is white noise through sosfiltfilt(2nd-order 30-250 Hz), then our zero-phase
    # band-pass: its power spectrum is |H_shape|^4 |H_band|^4, computed here from the designs.
    freqs = np.linspace(20, 450, 4301)
    shape = signal.butter(2, [30.0, 250.0], btype="bandpass", fs=FS, output="sos")
    _, h_shape = signal.sosfreqz(shape, worN=freqs, fs=FS)
    _, h_band = signal.sosfreqz(design_bandpass(FS), worN=freqs, fs=FS)
    power = np.abs(h_shape) ** 4 * np.abs(h_band) ** 4
    cumulative = np.cumsum(power)
    true_median = freqs[np.searchsorted(cumulative, cumulative[-1] / 2)]
    true_mean = np.sum(freqs * power) / np.sum(power)
    np.testing.assert_allclose(median_frequency(filtered, FS, band=(20, 450)), true_median, atol=3)
    np.testing.assert_allclose(mean_frequency(filtered, FS, band=(20, 450)), true_mean, atol=3)
    # Rectifying first (the classic mistake) moves both far from the truth.
    assert (np.abs(median_frequency(np.abs(filtered), FS, band=(20, 450)) - true_median) > 10).all()
