import json

import numpy as np
import pytest
from emg_synthetic import Burst, synthetic_emg

from signal_core.emg import QualityLimits, quality_report

FS = 2000.0


def test_nan_gaps_are_reported_where_they_are():
    x = synthetic_emg([], duration=5.0, seed=1)
    x[0, 1000:1100] = np.nan
    x[0, 5000] = np.nan
    x[1, 9000:9500] = np.nan
    report = quality_report(x, FS)
    assert report.nan_gaps.in_row(0).tolist() == [[1000, 1100], [5000, 5001]]
    assert report.nan_gaps.in_row(1).tolist() == [[9000, 9500]]
    np.testing.assert_allclose(report.nan_fraction, [101 / 10000, 500 / 10000])
    assert report.channel(0)["nan_gaps_s"] == [[0.5, 0.55], [2.5, 2.5005]]
    assert "nan_gaps" in report.issues(1)


def test_clipping_is_found_with_and_without_knowing_the_rail():
    x = 100 * synthetic_emg([Burst(0, 1.0, 3.0, 8.0)], duration=5.0, seed=2)
    rail = 400.0
    clipped = np.clip(x, -rail, rail)
    truth = np.mean(np.abs(x[0]) >= rail)
    assert truth > 0.05
    known = quality_report(clipped, FS, limits=QualityLimits(clip_level=rail))
    np.testing.assert_allclose(known.clipped_fraction, [truth, 0.0])
    inferred = quality_report(clipped, FS)
    # Only runs of 3+ samples at the rail count, so single grazing samples are not included.
    assert 0.5 * truth < inferred.clipped_fraction[0] <= truth
    assert inferred.clipped_fraction[1] == 0 and inferred.issues(0) == ["clipping"]


def test_flat_line_from_a_lead_off_is_found():
    x = synthetic_emg([], duration=4.0, seed=3)
    x[1, 3000:4000] = 0.0  # amplifier input shorted / lead off for 0.5 s
    x[0, 100:110] = 0.5  # ten equal samples: too short to count
    report = quality_report(x, FS)
    assert report.flat_segments.in_row(1).tolist() == [[3000, 4000]]
    assert report.flat_segments.in_row(0).size == 0
    np.testing.assert_allclose(report.flat_fraction, [0.0, 0.125])
    assert "flat_line" in report.issues(1)


@pytest.mark.parametrize("mains", [50.0, 60.0])
def test_mains_hum_share_and_frequency_are_measured(mains):
    x = synthetic_emg([], duration=6.0, seed=4)
    t = np.arange(x.shape[-1]) / FS
    hum = 3.0 * np.sin(2 * np.pi * mains * t)  # 4.5x the EMG power, all at the mains line
    report = quality_report(x + np.stack([hum, 0 * hum]), FS)
    assert report.mains_frequency[0] == mains
    assert report.hum_ratio[0] > 0.75 and report.issues(0) == ["mains_hum"]
    assert report.hum_ratio[1] < 0.15 and report.issues(1) == []


def test_an_electrode_pop_is_an_artefact_but_strong_voluntary_bursts_are_not():
    bursts = [Burst(0, 1.0, 1.4, 30.0), Burst(0, 3.05, 3.15, 25.0), Burst(1, 2.0, 4.0, 20.0)]
    x = synthetic_emg(bursts, duration=8.0, seed=5)
    pop = np.zeros(x.shape[-1])
    pop[12000:12030] = -40.0 * np.hanning(30)  # 15 ms step-like deflection at 6.0 s
    report = quality_report(x + np.stack([pop, 0 * pop]), FS)
    events = report.artefacts.in_row(0) / FS
    assert len(events) == 1 and events[0, 0] == pytest.approx(6.0, abs=0.02)
    assert report.artefacts.in_row(1).size == 0


def test_report_is_plain_json_per_channel():
    x = synthetic_emg([], duration=3.0, seed=6)
    x[0, :] = np.nan
    report = quality_report(x, FS)
    text = json.dumps([report.channel(0), report.channel(1)], allow_nan=False)
    assert '"hum_ratio": null' in text  # an all-NaN channel has no spectrum: None, not NaN


def test_quality_report_checks_its_inputs():
    x = synthetic_emg([], duration=2.0, seed=7)
    with pytest.raises(ValueError, match="mains must be 50, 60"):
        quality_report(x, FS, mains=55)
    with pytest.raises(ValueError, match="filtered has shape"):
        quality_report(x, FS, filtered=x[:, :100])
    with pytest.raises(ValueError, match="min_clip_run"):
        QualityLimits(min_clip_run=1)
