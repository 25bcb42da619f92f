"""Surface EMG for Retrain: filtering, amplitude, events, indices, quality, streaming.

Pure numpy/scipy. Signals are float arrays shaped ``(..., channels, samples)`` (the samples
axis can be moved with ``axis``); NaN marks lost samples. See docs/signal_core.md.
"""

from signal_core.emg._runs import Intervals
from signal_core.emg.amplitude import (
    Baseline,
    Calibration,
    calibrate,
    linear_envelope,
    moving_rms,
    normalise,
    rest_baseline,
)
from signal_core.emg.config import METHOD_VERSION, EmgConfig
from signal_core.emg.events import Activity, detect_activity, onset_envelope, teager_kaiser
from signal_core.emg.filters import (
    design_bandpass,
    design_filter,
    design_notch,
    filter_emg,
    minimum_samples,
    remove_dc,
    settle_samples,
)
from signal_core.emg.indices import (
    ZoneTime,
    coactivation_ratio,
    onset_latency,
    symmetry_index,
    time_in_zone,
    winter_overlap,
)
from signal_core.emg.quality import QualityLimits, QualityReport, quality_report
from signal_core.emg.spectral import (
    Spectrum,
    mean_frequency,
    median_frequency,
    power_spectrum,
    spectral_frequencies,
)
from signal_core.emg.streaming import LiveValues, StreamChunk, StreamingEngine, StreamingPool
from signal_core.emg.trial import ChannelSummary, TrialSummary, summarise_trial

__all__ = [
    "METHOD_VERSION",
    "Activity",
    "Baseline",
    "Calibration",
    "ChannelSummary",
    "EmgConfig",
    "Intervals",
    "LiveValues",
    "QualityLimits",
    "QualityReport",
    "Spectrum",
    "StreamChunk",
    "StreamingEngine",
    "StreamingPool",
    "TrialSummary",
    "ZoneTime",
    "calibrate",
    "coactivation_ratio",
    "design_bandpass",
    "design_filter",
    "design_notch",
    "detect_activity",
    "filter_emg",
    "linear_envelope",
    "mean_frequency",
    "median_frequency",
    "minimum_samples",
    "moving_rms",
    "normalise",
    "onset_envelope",
    "onset_latency",
    "power_spectrum",
    "quality_report",
    "remove_dc",
    "rest_baseline",
    "settle_samples",
    "spectral_frequencies",
    "summarise_trial",
    "symmetry_index",
    "teager_kaiser",
    "time_in_zone",
    "winter_overlap",
]
