"""The processing parameters of CLINICAL.md section 7, in one validated, hashable object."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

# Bump when a formula or a default changes, so stored trial summaries can be recomputed.
METHOD_VERSION = "emg-1"


@dataclass(frozen=True)
class EmgConfig:
    """Surface-EMG processing parameters.

    band, order
        Butterworth band-pass corners in Hz and order (4 gives four second-order sections).
    notch, notch_harmonics, notch_q
        Mains frequency (50 or 60 Hz, or None for no notch); how many harmonics to notch
        (None: every multiple below the upper band edge); quality factor of each notch.
    rms_window
        Moving-RMS window in seconds, 0.05-0.25 (CLINICAL.md: the latency/smoothness knob).
    envelope_cutoff
        Low-pass corner (Hz) of the rectified linear envelope.
    onset_cutoff, onset_k, onset_min_duration, onset_tkeo, onset_baseline_window
        Onset detection after Hodges & Bui: rectify (after the Teager-Kaiser operator when
        ``onset_tkeo``), low-pass at ``onset_cutoff`` Hz, threshold at baseline mean +
        ``onset_k`` SD held for ``onset_min_duration`` s. The baseline is the quietest
        ``onset_baseline_window`` s of the trial.
    """

    band: tuple[float, float] = (20.0, 450.0)
    order: int = 4
    notch: float | None = None
    notch_harmonics: int | None = None
    notch_q: float = 30.0
    rms_window: float = 0.1
    envelope_cutoff: float = 6.0
    onset_cutoff: float = 50.0
    onset_k: float = 3.0
    onset_min_duration: float = 0.025
    onset_tkeo: bool = False
    onset_baseline_window: float = 0.25

    def __post_init__(self) -> None:
        low, high = _pair(self.band, "band")
        object.__setattr__(self, "band", (low, high))
        if not 0 < low < high:
            raise ValueError(f"band must satisfy 0 < low < high, got {self.band}")
        if isinstance(self.order, bool) or not isinstance(self.order, int) or not 1 <= self.order <= 8:
            raise ValueError(f"order must be an int from 1 to 8, got {self.order!r}")
        if self.notch is not None and self.notch not in (50, 60):
            raise ValueError(f"notch must be 50, 60 or None (mains frequency in Hz), got {self.notch!r}")
        if self.notch_harmonics is not None and (
            isinstance(self.notch_harmonics, bool)
            or not isinstance(self.notch_harmonics, int)
            or self.notch_harmonics < 1
        ):
            raise ValueError(f"notch_harmonics must be a positive int or None, got {self.notch_harmonics!r}")
        _finite_positive(self.notch_q, "notch_q")
        if not 0.05 <= _finite_positive(self.rms_window, "rms_window") <= 0.25:
            raise ValueError(f"rms_window must be 0.05-0.25 s (CLINICAL.md 7), got {self.rms_window}")
        _finite_positive(self.envelope_cutoff, "envelope_cutoff")
        _finite_positive(self.onset_cutoff, "onset_cutoff")
        if not 1.0 <= _finite_positive(self.onset_k, "onset_k") <= 3.0:
            raise ValueError(f"onset_k must be 1-3 SD (Hodges & Bui), got {self.onset_k}")
        if not 0.02 <= _finite_positive(self.onset_min_duration, "onset_min_duration") <= 0.1:
            raise ValueError(f"onset_min_duration must be 0.02-0.1 s (Hodges & Bui), got {self.onset_min_duration}")
        _finite_positive(self.onset_baseline_window, "onset_baseline_window")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable form, stored next to results so they can be rescored."""
        data = asdict(self)
        data["band"] = list(self.band)
        data["method_version"] = METHOD_VERSION
        return data


def _pair(value: Any, name: str) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a (low, high) pair of frequencies in Hz, got {value!r}") from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return low, high


def _finite_positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)
