import json

import numpy as np
import pytest
from emg_synthetic import Burst, synthetic_emg

from signal_core.emg import Calibration, EmgConfig, calibrate, filter_emg, summarise_trial

FS = 2000.0


def strict_json(summary) -> dict:
    return json.loads(json.dumps(summary.to_dict(), allow_nan=False))


def test_symmetry_trial_reports_the_laterality_index_and_onsets():
    # Weak affected side (channel 0) at 40 % of the healthy side, starting 60 ms later.
    bursts = [Burst(0, 3.06, 13.0, 8.0), Burst(1, 3.0, 13.0, 20.0)]
    x = synthetic_emg(bursts, duration=15.0, seed=11)
    summary = summarise_trial(x, FS, start=4000, stop=26000, protocol="symmetry", affected=0, healthy=1)
    # The trial includes 1 s of rest (RMS 1) before each 10 s burst.
    truth = np.sqrt((1 * 1 + 10 * 8.0**2) / 11) / np.sqrt((1 * 1 + 10 * 20.0**2) / 11)
    assert summary.symmetry_index == pytest.approx(truth, rel=0.05)
    affected, healthy = summary.channels
    assert (affected.role, healthy.role) == ("affected", "healthy")
    assert affected.onset_s == pytest.approx(1.06, abs=0.01)
    assert healthy.onset_s == pytest.approx(1.0, abs=0.01)
    assert summary.onset_latency_s == pytest.approx(0.06, abs=0.01)
    assert affected.offset_s is None  # the burst runs past the trial's end: not observed
    data = strict_json(summary)
    assert data["channels"][0]["percent_mean"] is None  # no calibration given
    assert data["coactivation_ratio"] is None and data["time_in_zone_s"] is None
    assert data["method_version"] == "emg-1" and data["config"]["band"] == [20.0, 450.0]


def test_inhibition_trial_with_calibration_reports_coactivation_and_time_in_zone():
    # Calibration: rest, then each muscle's maximal expression at amplitude 20.
    calibration_part = [Burst(0, 3.0, 5.0, 20.0), Burst(1, 6.0, 8.0, 20.0)]
    # Trial: target smiles at 10 (about half of max) for 4 s; the eye channel co-activates at 2.
    trial_part = [Burst(0, 10.0, 14.0, 10.0), Burst(1, 10.0, 14.0, 2.0)]
    x = synthetic_emg(calibration_part + trial_part, duration=16.0, seed=12)
    calibration = calibrate(x, FS, rest=(0, 5000), maximum=[(6000, 10000), (12000, 16000)])
    summary = summarise_trial(
        x,
        FS,
        start=round(10.5 * FS),
        stop=round(13.5 * FS),
        protocol="inhibition",
        target=0,
        inhibit=1,
        calibration=calibration,
        threshold_pct=20.0,
        ceiling_pct=15.0,
    )
    maximum = np.array(calibration.maximum)
    assert summary.coactivation_normalisation == "calibration"
    assert summary.coactivation_ratio == pytest.approx((2.0 / maximum[1]) / (10.0 / maximum[0]), rel=0.05)
    assert summary.winter_overlap == pytest.approx(
        2 * (2.0 / maximum[1]) / (2.0 / maximum[1] + 10.0 / maximum[0]), rel=0.05
    )
    target, inhibit = summary.channels
    expected_percent = 100 * (10.0 - calibration.rest[0]) / (maximum[0] - calibration.rest[0])
    assert target.percent_mean == pytest.approx(expected_percent, rel=0.05)
    assert inhibit.percent_mean < 15.0
    # Target (about 42 %, wavering) above 20 % and inhibit (about 5 %) below 15 %: in the zone
    # the whole trial.
    assert summary.time_in_zone_fraction == pytest.approx(1.0, abs=0.02)
    assert summary.time_in_zone_s == pytest.approx(3.0, abs=0.06)


def test_uptraining_time_in_zone_counts_only_time_above_the_threshold():
    bursts = [Burst(0, 2.0, 4.0, 20.0), Burst(0, 6.0, 7.0, 20.0)]
    x = synthetic_emg(bursts, duration=9.0, seed=13)
    calibration = Calibration(rest=(1.0, 1.0), maximum=(20.0, 20.0))
    summary = summarise_trial(
        x,
        FS,
        start=2000,
        stop=16000,
        protocol="uptraining",
        target=0,
        calibration=calibration,
        threshold_pct=40,
    )
    # 2 s + 1 s of bursts, plus the centred 100 ms RMS window's reach across each of the four
    # edges: the envelope passes 40 % (level 8.6) once a share f of the window is in the burst,
    # with f * 20**2 + (1 - f) * 1**2 = 8.6**2, i.e. (0.5 - f) * 100 ms before/after the edge.
    share = (8.6**2 - 1) / (20.0**2 - 1)
    expected = 3.0 + 4 * (0.5 - share) * 0.1
    assert summary.time_in_zone_s == pytest.approx(expected, abs=0.03)
    assert summary.time_in_zone_fraction == pytest.approx(expected / 7.0, abs=0.005)
    assert summary.channels[1].role is None


def test_trial_edges_are_filtered_as_if_the_whole_recording_was():
    x = synthetic_emg([Burst(0, 1.0, 6.0, 10.0), Burst(1, 2.0, 5.0, 5.0)], duration=8.0, seed=14)
    summary = summarise_trial(x, FS, start=3000, stop=9000, protocol="symmetry", affected=0, healthy=1)
    whole = filter_emg(x, FS)[:, 3000:9000]
    np.testing.assert_allclose([c.rms for c in summary.channels], np.sqrt(np.mean(whole**2, axis=-1)), rtol=1e-3)


def test_lost_samples_in_a_trial_are_reported_and_never_become_numbers_or_nan():
    x = synthetic_emg([Burst(0, 1.0, 4.0, 10.0), Burst(1, 1.0, 4.0, 10.0)], duration=5.0, seed=15)
    x[:, 5000:5300] = np.nan
    x[1, :] = np.nan  # a dead channel
    summary = summarise_trial(x, FS, start=0, stop=10000, protocol="symmetry", affected=1, healthy=0)
    data = strict_json(summary)
    good, dead = data["channels"]
    assert good["quality"]["nan_gaps_s"] == [[2.5, 2.65]] and "nan_gaps" in good["quality"]["issues"]
    assert good["rms"] > 0 and good["median_frequency"] is not None
    assert dead["rms"] is None and dead["onset_s"] is None and dead["median_frequency"] is None
    assert dead["quality"]["nan_fraction"] == 1.0
    assert data["symmetry_index"] is None and data["onset_latency_s"] is None


def test_one_kilohertz_recordings_work_the_same_way():
    x = synthetic_emg([Burst(0, 1.0, 3.0, 10.0), Burst(1, 1.2, 3.0, 10.0)], fs=1000.0, duration=4.0, seed=16)
    summary = summarise_trial(x, 1000.0, start=0, stop=4000, protocol="inhibition", target=0, inhibit=1)
    assert summary.onset_latency_s == pytest.approx(0.2, abs=0.02)
    assert summary.fs == 1000.0 and summary.duration_s == 4.0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"protocol": "mirror", "target": 0}, "protocol must be one of"),
        ({"protocol": "symmetry", "affected": 0}, "needs the healthy channel"),
        ({"protocol": "symmetry", "affected": 0, "healthy": 0}, "cannot be both"),
        ({"protocol": "uptraining", "target": 0, "inhibit": 1}, "not a channel role"),
        ({"protocol": "uptraining", "target": 2}, "not a channel of a recording with 2"),
        ({"protocol": "uptraining", "target": 0, "threshold_pct": 40}, "pass a calibration"),
        ({"protocol": "uptraining", "target": 0, "start": 100, "stop": 50}, "not a non-empty range"),
        ({"protocol": "uptraining", "target": 0, "start": 0, "stop": 400}, "must last at least"),
        ({"protocol": "uptraining", "target": 0, "stop": 10**6}, "inside the recording"),
        (
            {"protocol": "uptraining", "target": 0, "calibration": Calibration((1.0,), (2.0,))},
            "calibration has 1",
        ),
    ],
)
def test_bad_trial_requests_are_refused_with_a_reason(options, message):
    x = synthetic_emg([], duration=3.0, seed=17)
    kwargs = {"start": 0, "stop": 6000, **options}
    with pytest.raises(ValueError, match=message):
        summarise_trial(x, FS, **kwargs)


def test_recording_must_be_channels_by_samples():
    with pytest.raises(ValueError, match=r"\(channels, samples\)"):
        summarise_trial(np.zeros((1, 2, 4000)), FS, start=0, stop=4000, protocol="uptraining", target=0)


def test_configured_method_is_recorded_with_the_result():
    x = synthetic_emg([Burst(0, 1.0, 2.0, 10.0)], duration=3.0, seed=18)
    config = EmgConfig(notch=50, rms_window=0.25, onset_tkeo=True)
    data = strict_json(summarise_trial(x, FS, start=0, stop=6000, protocol="uptraining", target=0, config=config))
    assert data["config"]["notch"] == 50 and data["config"]["onset_tkeo"] is True
    assert data["channels"][0]["onset_s"] == pytest.approx(1.0, abs=0.01)
