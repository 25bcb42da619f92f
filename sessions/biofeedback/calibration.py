"""Session calibration from the stored recording: rest baseline and maximal voluntary expression.

Thresholds and ceilings are % of these (CLINICAL.md 7: there is no limb-style MVC in the face, so
each channel is normalised to the session's own rest and maximal expression).
"""

from __future__ import annotations

from sessions.ingest.selectors import recording_samples
from sessions.models import Recording, SessionMarker
from signal_core.emg import calibrate

# Filter settling on either side of the steps, so the edges match filtering the whole recording.
MARGIN_S = 0.5


def measure_calibration(recording: Recording, rest: SessionMarker, maxima: list[SessionMarker]) -> dict:
    from clinic.errors import DomainError

    fs = recording.sampling_rate_hz
    margin = int(MARGIN_S * fs)
    lo = max(0, min([rest.sample_from] + [m.sample_from for m in maxima]) - margin)
    hi = max([rest.sample_to] + [m.sample_to for m in maxima]) + margin
    block = recording_samples(recording, sample_from=lo, sample_to=hi)
    try:
        result = calibrate(
            block.samples,
            fs,
            rest=(rest.sample_from - lo, rest.sample_to - lo),
            maximum=[(m.sample_from - lo, m.sample_to - lo) for m in maxima],
        )
    except ValueError as exc:
        raise DomainError(f"Calibration failed: {exc}. Repeat the step.", code="calibration") from None
    return {k: [round(v, 3) for v in values] for k, values in result.to_dict().items()}
