"""Band-pass, mains notch and DC removal for surface EMG, offline (zero-phase) or causal.

Signals are arrays shaped ``(..., channels, samples)`` (or any layout with ``axis`` naming the
samples axis). Filters are second-order sections; designs are cached per sampling rate and
configuration, because the live path and the report task ask for the same few designs.

NaN policy: a NaN sample is a lost sample. It stays NaN in the output, and so does the filter's
settling time around it (the samples whose value depends on the gap: after it for causal
filtering, on both sides for zero-phase), so no number is ever produced from a gap. Inside the
filters the gap is bridged by linear interpolation only to keep the recursion finite.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import signal

from signal_core._validation import as_signal, check_fs
from signal_core.emg._runs import dilate, fill_gaps
from signal_core.emg.config import EmgConfig

DEFAULT_CONFIG = EmgConfig()

# A gap is masked for as long as the filter needs to shed 99 % of the energy of its impulse
# response: the linear bridge differs from the lost signal by about one EMG amplitude, so what
# is left after the mask is below -20 dB of that error.
_SETTLE_ENERGY = 0.99


def design_bandpass(fs: float, band: tuple[float, float] = (20.0, 450.0), order: int = 4) -> np.ndarray:
    """Butterworth band-pass as second-order sections, shape ``(order, 6)``.

    Raises ``ValueError`` when ``fs`` is too low for the band (the upper corner must lie below
    the Nyquist frequency ``fs / 2``).
    """
    fs = check_fs(fs)
    low, high = EmgConfig(band=band, order=order).band
    _check_band_fits(fs, low, high)
    return _bandpass(fs, low, high, order).copy()


def design_notch(
    fs: float, mains: float, *, harmonics: int | None = None, q: float = 30.0, upper: float | None = None
) -> np.ndarray:
    """IIR notches at ``mains`` Hz and its harmonics as second-order sections, shape ``(k, 6)``.

    ``harmonics=None`` notches every multiple of ``mains`` up to ``upper`` (default: the
    Nyquist frequency, which itself is never notched); otherwise the first ``harmonics``
    multiples that fit.
    """
    fs = check_fs(fs)
    config = EmgConfig(notch=mains, notch_harmonics=harmonics, notch_q=q)
    limit = fs / 2 if upper is None else min(float(upper), fs / 2)
    return _notch(fs, float(config.notch), harmonics, float(q), limit).copy()


def design_filter(fs: float, config: EmgConfig = DEFAULT_CONFIG) -> np.ndarray:
    """The full EMG filter of ``config`` (band-pass, then notches) as SOS ``(k, 6)``."""
    return cached_filter(fs, config).copy()


def cached_filter(fs: float, config: EmgConfig = DEFAULT_CONFIG) -> np.ndarray:
    """Like :func:`design_filter` but the shared cached array: read it, never write to it."""
    fs = check_fs(fs)
    if not isinstance(config, EmgConfig):
        raise ValueError(f"config must be an EmgConfig, got {type(config).__name__}")
    low, high = config.band
    _check_band_fits(fs, low, high)
    return _design(fs, config)


def settle_samples(sos: np.ndarray) -> int:
    """Samples a unit impulse needs to shed 99 % of its energy through ``sos`` (the gap guard)."""
    sos = np.ascontiguousarray(sos, dtype=np.float64)
    return _settle(sos.tobytes(), sos.shape[0])


def minimum_samples(sos: np.ndarray) -> int:
    """Shortest signal :func:`filter_emg` can filter zero-phase with ``sos`` (edge padding + 1)."""
    return _padlen(np.asarray(sos)) + 1


def remove_dc(x: np.ndarray, *, axis: int = -1) -> np.ndarray:
    """Subtract each row's mean (ignoring NaN gaps); shape preserved, float64."""
    arr = as_signal(x, axis=axis)
    with np.errstate(invalid="ignore"):
        mean = _nanmean_last(arr)
    return np.moveaxis(arr - mean[..., None], -1, axis)


def filter_emg(
    x: np.ndarray, fs: float, *, config: EmgConfig = DEFAULT_CONFIG, causal: bool = False, axis: int = -1
) -> np.ndarray:
    """Band-pass (and notch) surface EMG with DC removal.

    Parameters
    ----------
    x : array, shape ``(..., channels, samples)``
        Raw EMG in any real dtype; NaN marks lost samples.
    fs : sampling rate in Hz.
    config : filter parameters (band, order, notch).
    causal : False (default) filters forward and backward (zero phase, the offline method);
        True filters forward only with the state primed on the first sample, which is exactly
        what :class:`~signal_core.emg.streaming.StreamingEngine` computes chunk by chunk.
    axis : the samples axis.

    Returns
    -------
    float64 array of the same shape; NaN over gaps and the filter's settling time around them.
    """
    fs = check_fs(fs)
    sos = cached_filter(fs, config)
    arr = as_signal(x, axis=axis, min_samples=1 if causal else minimum_samples(sos))
    # Primed on the first sample, a constant offset gives exactly zero output (as in the
    # streaming engine); zero-phase filtering starts at steady state for the same reason.
    out = apply_sos(sos, arr, zero_phase=False) if causal else zero_phase_filter(sos, arr)[0]
    return np.moveaxis(out, -1, axis)


def filter_emg_both(arr: np.ndarray, fs: float, config: EmgConfig) -> tuple[np.ndarray, np.ndarray]:
    """Zero-phase band-pass of validated float64 ``arr`` ``(..., samples)`` and its forward pass.

    The forward pass is a causal band-pass of the DC-removed signal (started on scipy's odd
    edge extension rather than primed on the first sample, so its first settling time differs
    from ``filter_emg(..., causal=True)``). Onset detection wants it because it does not
    pre-ring ahead of a burst the way the zero-phase result does. Both follow the NaN policy.
    """
    sos = cached_filter(fs, config)
    if arr.shape[-1] < minimum_samples(sos):
        raise ValueError(f"signal has {arr.shape[-1]} samples; filtering needs {minimum_samples(sos)}")
    zero_phase, forward = zero_phase_filter(sos, arr, keep_forward=True)
    assert forward is not None
    return zero_phase, forward


def apply_sos(
    sos: np.ndarray, x: np.ndarray, *, zero_phase: bool, rectify: bool = False, overwrite: bool = False
) -> np.ndarray:
    """Filter float64 ``x`` (samples last) with ``sos`` under the NaN policy of this module.

    Causal filtering starts from the steady state for the first sample; zero-phase filtering is
    scipy's ``sosfiltfilt`` (odd extension, same default pad length) with fewer copies.
    ``rectify`` filters ``abs(x)`` without a separate pass.
    """
    if zero_phase:
        return zero_phase_filter(sos, x, rectify=rectify, overwrite=overwrite)[0]
    missing = np.isnan(x)
    has_gaps = bool(missing.any())
    data = fill_gaps(x, missing) if has_gaps else x
    out = _sosfilt_primed(sos, np.abs(data) if rectify else data)
    if has_gaps:
        out[dilate(missing, before=0, after=settle_samples(sos))] = np.nan
    return out


def zero_phase_filter(
    sos: np.ndarray,
    x: np.ndarray,
    *,
    rectify: bool = False,
    keep_forward: bool = False,
    overwrite: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Forward-backward ``sos`` over float64 ``x`` (samples last): ``scipy.signal.sosfiltfilt``
    (odd extension, default pad length, steady-state start) computed without its copies.

    The short edge extensions are filtered on their own to carry the state into and out of
    the body, so the only full-size arrays are the two passes themselves: on this workload a
    fresh full-size temporary costs about as much as a filter pass. ``rectify`` filters
    ``abs(x)`` (taken in place when ``overwrite``: the caller gives ``x`` up). Returns the
    zero-phase result and, with ``keep_forward``, the forward (causal) pass; both NaN over gaps
    plus the settling time (both sides for zero phase, after for the forward pass). A
    band-pass started at steady state passes a constant offset as exactly zero, so no separate
    DC removal is needed before it.
    """
    pad = _padlen(sos)
    n = x.shape[-1]
    if n <= pad:
        raise ValueError(f"signal has {n} samples; zero-phase filtering needs more than {pad}")
    missing = np.isnan(x)
    has_gaps = bool(missing.any())
    data = fill_gaps(x, missing) if has_gaps else x
    if rectify:
        data = np.abs(data, out=data if (overwrite or has_gaps) else None)
    zi = _steady_state(sos).reshape((sos.shape[0],) + (1,) * (x.ndim - 1) + (2,))
    head = 2 * data[..., :1] - data[..., pad:0:-1]
    tail = 2 * data[..., -1:] - data[..., -2 : -pad - 2 : -1]
    _, state = signal.sosfilt(sos, head, axis=-1, zi=zi * head[..., :1][None])
    forward, state = signal.sosfilt(sos, data, axis=-1, zi=state)
    forward_tail, _ = signal.sosfilt(sos, tail, axis=-1, zi=state)
    # The backward pass starts at the far end of the extension and runs back over the body.
    turned = forward_tail[..., ::-1]
    _, state = signal.sosfilt(sos, turned, axis=-1, zi=zi * turned[..., :1][None])
    backward, _ = signal.sosfilt(sos, forward[..., ::-1], axis=-1, zi=state)
    zero_phase = backward[..., ::-1]
    causal = forward if keep_forward else None
    if has_gaps:
        guard = settle_samples(sos)
        zero_phase[dilate(missing, before=guard, after=guard)] = np.nan
        if causal is not None:
            causal[dilate(missing, before=0, after=guard)] = np.nan
    return zero_phase, causal


def _sosfilt_primed(sos: np.ndarray, x: np.ndarray) -> np.ndarray:
    zi = _steady_state(sos)
    lead = (1,) * (x.ndim - 1)
    state = zi.reshape((zi.shape[0],) + lead + (2,)) * x[..., 0][None, ..., None]
    out, _ = signal.sosfilt(sos, x, axis=-1, zi=state)
    return out


def _padlen(sos: np.ndarray) -> int:
    # scipy.signal.sosfiltfilt's default, so results match it sample for sample.
    trailing_zeros = min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    return 3 * (2 * len(sos) + 1 - trailing_zeros)


def _nanmean_last(arr: np.ndarray) -> np.ndarray:
    missing = np.isnan(arr)
    if not missing.any():
        return arr.mean(axis=-1)
    count = (~missing).sum(axis=-1)
    total = np.where(missing, 0.0, arr).sum(axis=-1)
    return np.divide(total, count, out=np.full(count.shape, np.nan), where=count > 0)


def _check_band_fits(fs: float, low: float, high: float) -> None:
    if high >= fs / 2:
        raise ValueError(
            f"sampling rate {fs:g} Hz is too low for the {low:g}-{high:g} Hz band: "
            f"the upper corner must be below fs/2, so fs must exceed {2 * high:g} Hz"
        )


@lru_cache(maxsize=64)
def _design(fs: float, config: EmgConfig) -> np.ndarray:
    low, high = config.band
    parts = [_bandpass(fs, low, high, config.order)]
    if config.notch is not None:
        parts.append(_notch(fs, float(config.notch), config.notch_harmonics, config.notch_q, high))
    return np.vstack(parts)


@lru_cache(maxsize=64)
def _bandpass(fs: float, low: float, high: float, order: int) -> np.ndarray:
    return signal.butter(order, [low, high], btype="bandpass", fs=fs, output="sos")


@lru_cache(maxsize=64)
def _notch(fs: float, mains: float, harmonics: int | None, q: float, upper: float) -> np.ndarray:
    count = int(upper // mains) if harmonics is None else harmonics
    # Up to and including the band's upper corner (a harmonic there is only 3 dB down), but
    # never at or past Nyquist where a notch cannot be placed.
    centres = [mains * k for k in range(1, count + 1) if mains * k <= upper and mains * k < fs / 2]
    if not centres:
        raise ValueError(f"no multiple of {mains:g} Hz lies below {min(upper, fs / 2):g} Hz to notch")
    return np.vstack([signal.tf2sos(*signal.iirnotch(f0, q, fs=fs)) for f0 in centres])


def lowpass(fs: float, cutoff: float, order: int) -> np.ndarray:
    """Butterworth low-pass SOS for the envelopes; cached and shared, so never write to it."""
    fs = check_fs(fs)
    if not 0 < cutoff < fs / 2:
        raise ValueError(f"low-pass cutoff {cutoff:g} Hz must lie between 0 and fs/2 = {fs / 2:g} Hz")
    return _lowpass(fs, float(cutoff), int(order))


@lru_cache(maxsize=64)
def _lowpass(fs: float, cutoff: float, order: int) -> np.ndarray:
    return signal.butter(order, cutoff, btype="lowpass", fs=fs, output="sos")


def _steady_state(sos: np.ndarray) -> np.ndarray:
    return _steady_state_cached(np.ascontiguousarray(sos).tobytes(), sos.shape[0])


@lru_cache(maxsize=64)
def _steady_state_cached(raw: bytes, sections: int) -> np.ndarray:
    sos = np.frombuffer(raw, dtype=np.float64).reshape(sections, 6).copy()
    return signal.sosfilt_zi(sos)


@lru_cache(maxsize=64)
def _settle(raw: bytes, sections: int) -> int:
    sos = np.frombuffer(raw, dtype=np.float64).reshape(sections, 6).copy()
    length = 1024
    while True:
        impulse = np.zeros(length)
        impulse[0] = 1.0
        energy = signal.sosfilt(sos, impulse) ** 2
        remaining = np.cumsum(energy[::-1])[::-1]
        total = remaining[0]
        # Grow the probe until its last quarter carries a negligible share of the energy.
        if remaining[3 * length // 4] <= 1e-9 * total or length >= 1 << 22:
            return int(np.argmax(remaining <= (1 - _SETTLE_ENERGY) * total))
        length *= 4
