"""Real facial EMG (zygomaticus, corrugator at 2 kHz) from the EMGFlow package's sample data."""

import json

import numpy as np
import pytest

from signal_core.emg import EmgConfig, filter_emg, median_frequency, quality_report, summarise_trial
from signal_core.emg._runs import runs

# Gaps as the CSVs have them (NULL cells), per channel: [start, stop) in samples.
EXPECTED_GAPS = {
    "sample_data_01": [[[16598, 16698]], [[16598, 16698]]],
    "sample_data_02": [
        [[21, 22], [43, 44], [97, 98], [19991, 19992]],
        [[20, 21], [42, 43], [96, 97], [19990, 19991]],
    ],
    "sample_data_03": [[[998, 1098], [1101, 1201], [1204, 1304]]] * 2,
    "sample_data_04": [[], []],
}


def test_recordings_are_what_the_tests_expect(emgflow_recordings):
    for recording in emgflow_recordings.values():
        assert recording.fs == 2000
        assert recording.data.shape == (2, 20000)
        assert recording.channels == ("EMG_zyg", "EMG_cor")


@pytest.mark.parametrize("name", sorted(EXPECTED_GAPS))
def test_quality_report_finds_every_nan_gap(emgflow_recordings, name):
    recording = emgflow_recordings[name]
    report = quality_report(recording.data, recording.fs)
    independent = runs(np.isnan(recording.data))
    for channel in range(2):
        found = report.nan_gaps.in_row(channel).tolist()
        assert found == EXPECTED_GAPS[name][channel]
        assert found == independent.in_row(channel).tolist()
        assert ("nan_gaps" in report.issues(channel)) == bool(found)


def test_quality_report_finds_the_artefact_burst_and_nothing_in_clean_or_active_channels(emgflow_recordings):
    reports = {name: quality_report(r.data, r.fs) for name, r in emgflow_recordings.items()}
    pop = reports["sample_data_04"].artefacts.in_row(0) / 2000
    assert len(pop) == 1 and 1.99 <= pop[0, 0] <= pop[0, 1] <= 2.03  # the spike at t = 2.0 s
    assert "artefacts" in reports["sample_data_04"].issues(0)
    clean = [("sample_data_01", 0), ("sample_data_01", 1), ("sample_data_02", 0), ("sample_data_02", 1)]
    # sample_data_03's zygomaticus holds real activity (5.3-6.7 s) that must not read as artefact.
    clean += [("sample_data_03", 0), ("sample_data_04", 1)]
    for name, channel in clean:
        assert reports[name].artefacts.in_row(channel).size == 0, (name, channel)


def test_quality_report_flags_the_mains_hum_that_dominates_two_recordings(emgflow_recordings):
    for name in ("sample_data_01", "sample_data_02"):
        report = quality_report(emgflow_recordings[name].data, 2000)
        assert (report.mains_frequency == 50).all() and (report.hum_ratio > 0.9).all()
        assert all("mains_hum" in report.issues(c) for c in range(2))
    report = quality_report(emgflow_recordings["sample_data_03"].data, 2000)
    assert report.hum_ratio[1] < 0.2 and "mains_hum" not in report.issues(1)


@pytest.mark.parametrize("name", ["sample_data_03", "sample_data_04"])
def test_median_frequency_with_mains_notched_is_physiological(emgflow_recordings, name):
    recording = emgflow_recordings[name]
    summary = summarise_trial(
        recording.data, 2000, start=0, stop=20000, protocol="uptraining", target=0, config=EmgConfig(notch=50)
    )
    for channel in summary.channels:
        # Facial surface EMG: median frequency around 60-150 Hz, spectrum skewed to the right.
        assert 60 <= channel.median_frequency <= 150, channel
        assert channel.mean_frequency > channel.median_frequency


def test_without_a_notch_hum_dominated_channels_report_the_mains_as_median_frequency(emgflow_recordings):
    data = emgflow_recordings["sample_data_01"].data
    mdf = median_frequency(filter_emg(data, 2000), 2000, band=(20, 450))
    np.testing.assert_allclose(mdf, 50, atol=2)  # why the quality report's hum flag matters


@pytest.mark.parametrize("name", sorted(EXPECTED_GAPS))
def test_trial_summaries_of_real_recordings_are_strict_json(emgflow_recordings, name):
    recording = emgflow_recordings[name]
    summary = summarise_trial(recording.data, 2000, start=500, stop=19500, protocol="inhibition", target=0, inhibit=1)
    text = json.dumps(summary.to_dict(), allow_nan=False)
    decoded = json.loads(text)
    assert decoded["protocol"] == "inhibition" and len(decoded["channels"]) == 2
    assert decoded["coactivation_normalisation"] == "trial_peak"
    assert 0 <= decoded["winter_overlap"] <= 1
