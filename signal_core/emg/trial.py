"""One trial of a stored recording summarised for the report: amplitudes, onsets, indices.

``summarise_trial`` is what the Celery report task calls once per trial marker. Its result is
a dataclass whose ``to_dict()`` is plain JSON: floats, ints, strings, lists, and None where a
value is undefined (no onset, no calibration, a zero denominator); never NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from signal_core._validation import as_signal, check_channel, check_fs, seconds_to_samples
from signal_core.emg.amplitude import Calibration, moving_rms_last, normalise, rest_baseline_last
from signal_core.emg.config import METHOD_VERSION, EmgConfig
from signal_core.emg.events import detect_activity_last, onset_envelope_last
from signal_core.emg.filters import (
    DEFAULT_CONFIG,
    cached_filter,
    filter_emg_both,
    lowpass,
    minimum_samples,
    settle_samples,
)
from signal_core.emg.indices import coactivation_ratio, symmetry_index, time_in_zone, winter_overlap
from signal_core.emg.quality import QualityLimits, quality_report
from signal_core.emg.spectral import default_nperseg, power_spectrum_last, spectral_frequencies

Protocol = Literal["symmetry", "inhibition", "uptraining"]

_ROLES: dict[str, tuple[str, ...]] = {
    "symmetry": ("affected", "healthy"),
    "inhibition": ("target", "inhibit"),
    "uptraining": ("target",),
}


@dataclass(frozen=True)
class ChannelSummary:
    """One channel over the trial. Amplitudes in signal units; times in s from trial start."""

    channel: int
    role: str | None
    rms: float | None
    envelope_mean: float | None
    envelope_peak: float | None
    percent_mean: float | None
    percent_peak: float | None
    onset_s: float | None
    offset_s: float | None
    onset_threshold: float | None
    mean_frequency: float | None
    median_frequency: float | None
    quality: dict[str, Any] | None


@dataclass(frozen=True)
class TrialSummary:
    """Everything the report shows for one trial; see :func:`summarise_trial`."""

    protocol: str
    start: int
    stop: int
    fs: float
    duration_s: float
    channels: tuple[ChannelSummary, ...]
    symmetry_index: float | None
    coactivation_ratio: float | None
    winter_overlap: float | None
    coactivation_normalisation: str | None
    onset_latency_s: float | None
    time_in_zone_s: float | None
    time_in_zone_fraction: float | None
    config: dict[str, Any] = field(default_factory=dict)
    method_version: str = METHOD_VERSION

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict (``json.dumps(..., allow_nan=False)`` accepts it)."""
        return _plain(self)


def summarise_trial(
    recording: Any,
    fs: float,
    *,
    start: int,
    stop: int,
    protocol: Protocol,
    affected: int | None = None,
    healthy: int | None = None,
    target: int | None = None,
    inhibit: int | None = None,
    calibration: Calibration | None = None,
    threshold_pct: float | None = None,
    ceiling_pct: float | None = None,
    config: EmgConfig = DEFAULT_CONFIG,
    mains: float | None = None,
    spectral: bool = True,
    quality: bool = True,
    quality_limits: QualityLimits | None = None,
) -> TrialSummary:
    """Summarise samples ``[start, stop)`` of ``recording`` (``(channels, samples)``, raw).

    protocol and channel roles
        ``"symmetry"`` needs ``affected`` and ``healthy`` (the same muscle on both sides);
        ``"inhibition"`` needs ``target`` and ``inhibit`` (the synkinetic channel);
        ``"uptraining"`` needs ``target``. Other roles must be left None.
    calibration
        Per-channel rest and maximum (:func:`~signal_core.emg.amplitude.calibrate`); enables
        the % values, time in zone, and co-activation normalised to the calibration maximum
        (without it co-activation is normalised to each channel's peak in the trial).
    threshold_pct, ceiling_pct
        Uptraining: time with target >= threshold. Inhibition: time with target >= threshold
        and inhibit <= ceiling. Both in % of calibration; they need a calibration.
    spectral, quality
        Compute the mean/median frequency (a Welch spectrum) and the quality report; turn
        off what a caller does not need (each costs about as much as the rest of the summary).

    The trial is filtered with up to a filter-settling time plus one RMS window of the
    recording on either side, so its edges match filtering the whole recording.
    Onsets use the quietest ``config.onset_baseline_window`` of the trial as baseline.
    """
    fs = check_fs(fs)
    arr = as_signal(recording, name="recording", min_ndim=2)
    if arr.ndim != 2:
        raise ValueError(f"recording must be (channels, samples), got shape {arr.shape}")
    n_channels, n = arr.shape
    start, stop = _trial_bounds(start, stop, n)
    roles = _roles(protocol, n_channels, affected=affected, healthy=healthy, target=target, inhibit=inhibit)
    if calibration is not None and calibration.n_channels != n_channels:
        raise ValueError(f"calibration has {calibration.n_channels} channel(s), the recording has {n_channels}")
    if (threshold_pct is not None or ceiling_pct is not None) and calibration is None:
        raise ValueError("threshold_pct and ceiling_pct are % of calibration: pass a calibration")
    if ceiling_pct is not None and protocol != "inhibition":
        raise ValueError("ceiling_pct applies to the inhibition protocol only")
    needed = max(config.rms_window, config.onset_baseline_window, config.onset_min_duration)
    if (stop - start) < seconds_to_samples(needed, fs, name="trial"):
        raise ValueError(
            f"trial is {(stop - start) / fs:.3f} s; it must last at least {needed:g} s "
            "(the RMS window and the onset baseline window)"
        )

    sos = cached_filter(fs, config)
    width = seconds_to_samples(config.rms_window, fs, name="rms_window", minimum=2)
    margin = settle_samples(sos) + width + minimum_samples(sos)
    low, high = max(0, start - margin), min(n, stop + margin)
    if high - low < minimum_samples(sos):
        raise ValueError(f"trial has {high - low} samples; filtering needs at least {minimum_samples(sos)}")
    # Onsets come from the causal (forward) pass: the zero-phase result spreads a strong burst's
    # energy tens of ms ahead of it (the backward pass pre-rings), which pulls onsets early.
    segment_filtered, segment_causal = filter_emg_both(arr[:, low:high], fs, config)
    cut = slice(start - low, stop - low)
    filtered = segment_filtered[:, cut]
    envelope = moving_rms_last(segment_filtered, width, causal=False)[:, cut]
    smoothing = lowpass(fs, config.onset_cutoff, 2)
    onset_env = onset_envelope_last(segment_causal, smoothing, tkeo=config.onset_tkeo, overwrite=True)[:, cut]

    # Subsampling leaves the mean and SD of the envelope's distribution as they are; at four
    # samples per period of its low-pass corner the rest estimate keeps plenty of samples and
    # costs a tenth of the work at 2 kHz.
    step = max(1, int(fs // (4 * config.onset_cutoff)))
    baseline_width = max(2, round(config.onset_baseline_window * fs / step))
    baseline = rest_baseline_last(np.ascontiguousarray(onset_env[:, ::step]), baseline_width, clip=3.0)
    threshold = baseline.mean + config.onset_k * baseline.sd
    hold = seconds_to_samples(config.onset_min_duration, fs, name="onset_min_duration")
    activity = detect_activity_last(onset_env, threshold[:, None], hold, hold)
    onset, offset = activity.first_burst()

    rms = np.sqrt(_nan_mean(np.square(filtered)))
    envelope_mean = _nan_mean(envelope)
    envelope_peak = _nan_max(envelope)
    percent = None
    if calibration is not None:
        rest = np.asarray(calibration.rest)[:, None]
        percent = normalise(envelope, rest, np.asarray(calibration.maximum)[:, None])
    mean_freq = median_freq = np.full(n_channels, np.nan)
    if spectral:
        frame = min(default_nperseg(fs), filtered.shape[-1])
        mean_freq, median_freq = spectral_frequencies(power_spectrum_last(filtered, fs, frame), config.band)
    report = (
        quality_report(arr[:, start:stop], fs, mains=mains, config=config, limits=quality_limits, filtered=filtered)
        if quality
        else None
    )

    channels = []
    for channel in range(n_channels):  # assembling the per-channel record, not signal work
        channels.append(
            ChannelSummary(
                channel=channel,
                role=roles.get(channel),
                rms=_number(rms[channel]),
                envelope_mean=_number(envelope_mean[channel]),
                envelope_peak=_number(envelope_peak[channel]),
                percent_mean=None if percent is None else _number(_nan_mean(percent[channel])),
                percent_peak=None if percent is None else _number(_nan_max(percent[channel])),
                onset_s=None if onset[channel] < 0 else float(onset[channel] / fs),
                offset_s=None if offset[channel] < 0 else float(offset[channel] / fs),
                onset_threshold=_number(threshold[channel]),
                mean_frequency=_number(mean_freq[channel]),
                median_frequency=_number(median_freq[channel]),
                quality=None if report is None else report.channel(channel),
            )
        )

    by_role = {role: channel for channel, role in roles.items()}
    symmetry = coactivation = overlap = latency = zone_seconds = zone_fraction = None
    normalisation = None
    if protocol == "symmetry":
        symmetry = _number(symmetry_index(rms[by_role["affected"]], rms[by_role["healthy"]]))
        latency = _latency(onset, by_role["healthy"], by_role["affected"], fs)
    elif protocol == "inhibition":
        t, i = by_role["target"], by_role["inhibit"]
        if calibration is not None:
            scale = np.asarray(calibration.maximum)
            normalisation = "calibration"
        else:
            scale = envelope_peak
            normalisation = "trial_peak"
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = envelope / scale[:, None]
        coactivation = _number(coactivation_ratio(scaled[i], scaled[t]))
        overlap = _number(winter_overlap(scaled[i], scaled[t]))
        latency = _latency(onset, t, i, fs)
        if percent is not None and threshold_pct is not None and ceiling_pct is not None:
            zone = time_in_zone(percent[t], fs, threshold=threshold_pct, inhibit=percent[i], ceiling=ceiling_pct)
            zone_seconds, zone_fraction = _number(zone.seconds), _number(zone.fraction)
    elif percent is not None and threshold_pct is not None:
        zone = time_in_zone(percent[by_role["target"]], fs, threshold=threshold_pct)
        zone_seconds, zone_fraction = _number(zone.seconds), _number(zone.fraction)

    return TrialSummary(
        protocol=protocol,
        start=start,
        stop=stop,
        fs=fs,
        duration_s=(stop - start) / fs,
        channels=tuple(channels),
        symmetry_index=symmetry,
        coactivation_ratio=coactivation,
        winter_overlap=overlap,
        coactivation_normalisation=normalisation,
        onset_latency_s=latency,
        time_in_zone_s=zone_seconds,
        time_in_zone_fraction=zone_fraction,
        config=config.to_dict(),
    )


def _roles(protocol: Any, n_channels: int, **given: int | None) -> dict[int, str]:
    if protocol not in _ROLES:
        raise ValueError(f"protocol must be one of {sorted(_ROLES)}, got {protocol!r}")
    wanted = _ROLES[protocol]
    roles: dict[int, str] = {}
    for name, channel in given.items():
        if name not in wanted:
            if channel is not None:
                raise ValueError(f"{name} is not a channel role of the {protocol} protocol (it takes {wanted})")
            continue
        if channel is None:
            raise ValueError(f"the {protocol} protocol needs the {name} channel")
        index = check_channel(channel, n_channels, name=name)
        if index in roles:
            raise ValueError(f"channel {index} cannot be both {roles[index]} and {name}")
        roles[index] = name
    return roles


def _trial_bounds(start: Any, stop: Any, n: int) -> tuple[int, int]:
    for name, value in (("start", start), ("stop", stop)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be a sample index (int), got {value!r}")
    if not 0 <= int(start) < int(stop) <= n:
        raise ValueError(f"trial [{start}, {stop}) is not a non-empty range inside the recording's {n} samples")
    return int(start), int(stop)


def _latency(onset: np.ndarray, first: int, second: int, fs: float) -> float | None:
    if onset[first] < 0 or onset[second] < 0:
        return None
    return float((onset[second] - onset[first]) / fs)


def _nan_mean(values: np.ndarray) -> np.ndarray:
    """Mean over the last axis ignoring NaN (NaN for an all-NaN row), without np.nanmean's copy."""
    valid = ~np.isnan(values)
    count = valid.sum(axis=-1)
    total = np.sum(values, axis=-1, where=valid)
    return np.divide(total, count, out=np.full(count.shape, np.nan), where=count > 0)


def _nan_max(values: np.ndarray) -> np.ndarray:
    valid = ~np.isnan(values)
    peak = np.max(values, axis=-1, where=valid, initial=-np.inf)
    return np.where(valid.any(axis=-1), peak, np.nan)


def _number(value: Any) -> float | None:
    result = float(value)
    return result if math.isfinite(result) else None


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _number(value)
    return value
