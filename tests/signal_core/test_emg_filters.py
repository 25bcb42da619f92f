import numpy as np
import pytest
from scipy import signal

from signal_core.emg import (
    EmgConfig,
    design_bandpass,
    design_filter,
    design_notch,
    filter_emg,
    minimum_samples,
    remove_dc,
    settle_samples,
)

FS = 2000.0


def tone(freq: float, seconds: float = 2.0, fs: float = FS, amplitude: float = 1.0) -> np.ndarray:
    t = np.arange(round(seconds * fs)) / fs
    return amplitude * np.sin(2 * np.pi * freq * t)


def steady_amplitude(y: np.ndarray, fs: float = FS) -> float:
    middle = y[..., round(0.5 * fs) : -round(0.5 * fs)]
    return float(np.sqrt(2 * np.mean(middle**2)))


def test_zero_phase_output_matches_scipy_sosfiltfilt_after_dc_removal():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2, 5000)) * 40 + 7.5
    reference = signal.sosfiltfilt(design_bandpass(FS), x - x.mean(axis=-1, keepdims=True), axis=-1)
    np.testing.assert_allclose(filter_emg(x, FS), reference, rtol=0, atol=1e-10)


def test_causal_output_matches_sosfilt_primed_on_the_first_sample():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3000)) + 3.0
    sos = design_bandpass(FS)
    zi = signal.sosfilt_zi(sos)[:, None, :] * x[:, 0][None, :, None]
    reference, _ = signal.sosfilt(sos, x, zi=zi)
    np.testing.assert_allclose(filter_emg(x, FS, causal=True), reference, rtol=0, atol=1e-12)


def test_band_pass_keeps_emg_band_and_rejects_motion_and_high_frequencies():
    assert steady_amplitude(filter_emg(tone(120.0), FS)) == pytest.approx(1.0, rel=0.01)
    assert steady_amplitude(filter_emg(tone(3.0), FS)) < 0.01
    assert steady_amplitude(filter_emg(tone(800.0), FS)) < 0.05


def test_dc_offset_is_removed_offline_and_live():
    x = tone(120.0)
    np.testing.assert_allclose(filter_emg(x + 250.0, FS), filter_emg(x, FS), atol=1e-9)
    # Primed on the first sample, a pure offset produces no transient at all.
    assert np.abs(filter_emg(np.full(4000, 250.0), FS, causal=True)).max() < 1e-9


def test_notch_removes_mains_and_its_harmonics_but_not_the_emg_between():
    config = EmgConfig(notch=50)
    hum = tone(50.0) + tone(150.0)
    assert steady_amplitude(filter_emg(hum, FS, config=config)) < 0.03
    assert steady_amplitude(filter_emg(tone(80.0), FS, config=config)) == pytest.approx(1.0, rel=0.02)
    sos = design_notch(FS, 60)
    assert sos.shape == (16, 6)  # every multiple of 60 Hz below the 1 kHz Nyquist frequency
    assert design_notch(FS, 50).shape == (19, 6)  # 1000 Hz itself is Nyquist: no notch there
    assert design_notch(FS, 50, harmonics=3).shape == (3, 6)
    assert design_filter(FS, config).shape == (4 + 9, 6)  # 50..450 Hz: nine notches in the band
    assert design_filter(FS, EmgConfig(notch=60)).shape == (4 + 7, 6)  # 60..420 Hz


def test_samples_axis_can_be_anywhere():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 4000))
    np.testing.assert_allclose(filter_emg(x.T, FS, axis=0), filter_emg(x, FS).T, atol=1e-12)
    np.testing.assert_allclose(remove_dc(x.T + 4, axis=0).mean(axis=0), 0, atol=1e-12)


def test_nan_gap_stays_nan_with_its_settling_time_and_the_rest_is_untouched():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 8000))
    gapped = x.copy()
    gapped[0, 4000:4100] = np.nan
    guard = settle_samples(design_filter(FS))
    for causal in (False, True):
        y = filter_emg(gapped, FS, causal=causal)
        clean = filter_emg(x, FS, causal=causal)
        first_bad = 4000 if causal else 4000 - guard
        assert np.isnan(y[0, first_bad : 4100 + guard]).all()
        assert np.isfinite(y[0, :first_bad]).all() and np.isfinite(y[0, 4100 + guard :]).all()
        np.testing.assert_array_equal(np.isnan(y[1]), False)
        # Far from the gap the bridge has no visible effect (the zero-phase mean shifts slightly).
        far = slice(4100 + 4 * guard, 7000)
        assert np.abs(y[0, far] - clean[0, far]).max() < 0.02 * np.abs(clean[0, far]).max()


def test_all_nan_channel_gives_all_nan_output_not_numbers():
    x = np.random.default_rng(4).standard_normal((2, 3000))
    x[1] = np.nan
    y = filter_emg(x, FS)
    assert np.isnan(y[1]).all() and np.isfinite(y[0]).all()


def test_sampling_rate_too_low_for_the_band_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="too low for the 20-450 Hz band"):
        filter_emg(np.zeros((2, 1000)), 800.0)
    with pytest.raises(ValueError, match="fs"):
        filter_emg(np.zeros((2, 1000)), 0)


def test_signal_shorter_than_the_filter_needs_is_refused():
    need = minimum_samples(design_filter(FS))
    with pytest.raises(ValueError, match=f"at least {need} are needed"):
        filter_emg(np.zeros((2, need - 1)), FS)
    assert filter_emg(np.zeros((2, need)), FS).shape == (2, need)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (np.array([[1.0, np.inf, 0.0] * 100]), "infinite"),
        (np.zeros((2, 300), dtype=complex), "real numeric"),
        (np.array([["a"] * 300]), "real numeric"),
    ],
)
def test_bad_arrays_are_refused_with_a_clear_message(value, message):
    with pytest.raises(ValueError, match=message):
        filter_emg(value, FS)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"notch": 55}, "notch must be 50, 60"),
        ({"band": (450, 20)}, "0 < low < high"),
        ({"rms_window": 0.5}, "0.05-0.25 s"),
        ({"onset_k": 5}, "1-3 SD"),
        ({"onset_min_duration": 0.01}, "0.02-0.1 s"),
        ({"order": 0}, "order"),
    ],
)
def test_config_outside_the_clinical_method_is_refused(options, message):
    with pytest.raises(ValueError, match=message):
        EmgConfig(**options)


def test_integer_input_is_accepted_as_counts():
    counts = (tone(120.0) * 1000).astype(np.int16)
    np.testing.assert_allclose(filter_emg(counts, FS), filter_emg(counts.astype(float), FS))
