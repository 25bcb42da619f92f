"""The session report: signal_core over the stored recording, one summary per trial.

Run by the Celery task ``therapy.biofeedback_report`` (``sessions.biofeedback.tasks``). Idempotent:
the report row is unique per session (get-or-create), a finished report is never recomputed, and
a retried or duplicated task writes the same single row. Progress (%) is stored as trials are
summarised, so the page can poll it.

Per trial (``signal_core.emg.summarise_trial``, CLINICAL.md 7): peak and mean RMS envelope and
RMS per channel, % of calibration, symmetry index (affected / healthy RMS), co-activation
(inhibit over target, each normalised to its calibration maximum) and Winter's overlap, onset
latency between the channels (healthy → affected, or target → inhibit), time in zone (uptraining:
target ≥ threshold; inhibition: and inhibit ≤ ceiling; symmetry: envelope ratio ≥ threshold while
the healthy side is active, computed here from the same zero-phase envelope).
"""

from __future__ import annotations

import logging
import math

import numpy as np
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from clinic.audit import audit_record
from clinic.celery import task_phase
from sessions.biofeedback.plots import envelope_chart
from sessions.ingest.selectors import recording_samples
from sessions.models import BiofeedbackSession, SessionReport
from signal_core.emg import METHOD_VERSION, Calibration, filter_emg, moving_rms, summarise_trial, time_in_zone

log = logging.getLogger("retrain.biofeedback")

MARGIN_S = 1.0
ACTIVE_UV = 12.0


def _progress(report_id: int, value: int) -> None:
    SessionReport.objects.filter(pk=report_id).update(progress=value)


def _mean(values: list) -> float | None:
    numbers = [v for v in values if v is not None and math.isfinite(v)]
    return round(sum(numbers) / len(numbers), 4) if numbers else None


def report_run(*, session_id: int) -> SessionReport:
    report, _ = SessionReport.objects.get_or_create(session_id=session_id)
    if report.status == SessionReport.Status.DONE:
        return report
    SessionReport.objects.filter(pk=report.pk).update(
        status=SessionReport.Status.RUNNING, runs=F("runs") + 1, progress=2, error=""
    )
    session = BiofeedbackSession.objects.select_related("recording", "patient").get(pk=session_id)
    try:
        trials, summary, svg = _compute(session, report.pk)
    except Exception as exc:
        SessionReport.objects.filter(pk=report.pk).exclude(status=SessionReport.Status.DONE).update(
            status=SessionReport.Status.FAILED, error=str(exc)[:500]
        )
        raise
    with transaction.atomic():
        # A duplicate delivery that finished first has stored the report: this one stores nothing.
        finished = (
            SessionReport.objects.filter(pk=report.pk)
            .exclude(status=SessionReport.Status.DONE)
            .update(
                status=SessionReport.Status.DONE,
                progress=100,
                trials=trials,
                summary=summary,
                envelope_svg=svg,
                method_version=METHOD_VERSION,
                finished_at=timezone.now(),
            )
        )
        if not finished:
            report.refresh_from_db()
            return report
        audit_record(
            actor=None,
            actor_label="report task",
            action="biofeedback.report",
            obj=session,
            extra={"trials": len(trials)},
        )
    report.refresh_from_db()
    return report


def _roles(session: BiofeedbackSession) -> dict:
    return {name: int(channel) for name, channel in session.roles.items()}


def _compute(session: BiofeedbackSession, report_id: int) -> tuple[list, dict, str]:
    trials = list(session.trials.filter(sample_stop__isnull=False).select_related("recording").order_by("number"))
    if not trials:
        return [], {"note": "No trial was recorded in this session."}, ""
    # Trials lie on the recording that was streaming when they ran (an agent restart opens a new one).
    by_recording: dict = {}
    for trial in trials:
        recording = trial.recording or session.recording
        if recording is not None:
            by_recording.setdefault(recording.pk, (recording, []))[1].append(trial)
    if not by_recording:
        return [], {"note": "The chair never streamed during this session."}, ""
    calibration = None
    if session.calibration:
        calibration = Calibration(tuple(session.calibration["rest"]), tuple(session.calibration["maximum"]))
    labels = [session.site_label(c) for c in range(len(session.sites))]
    results: list[dict] = []
    svgs: list[str] = []
    done_trials = 0
    _progress(report_id, 10)
    task_phase("Summarising trials", session)
    for recording, group in by_recording.values():
        entries, svg = _recording_trials(session, recording, group, calibration, labels)
        results += entries
        svgs.append(svg)
        done_trials += len(group)
        _progress(report_id, 10 + int(85 * done_trials / len(trials)))
    results.sort(key=lambda r: r["number"])
    done = [r["summary"] for r in results if "summary" in r]
    overview = {
        "protocol": session.protocol,
        "trials": len(results),
        "symmetry_index": _mean([s["symmetry_index"] for s in done]),
        "coactivation_ratio": _mean([s["coactivation_ratio"] for s in done]),
        "winter_overlap": _mean([s["winter_overlap"] for s in done]),
        "onset_latency_s": _mean([s["onset_latency_s"] for s in done]),
        "time_in_zone_fraction": _mean([s["time_in_zone_fraction"] for s in done]),
        "calibration": session.calibration,
        "threshold_pct": session.threshold_pct,
        "ceiling_pct": session.ceiling_pct,
        "recordings": len(by_recording),
    }
    return results, overview, "".join(svgs)


def _recording_trials(session, recording, trials: list, calibration, labels: list[str]) -> tuple[list, str]:
    """Summaries of the trials that lie on one recording, and its envelope plot."""
    fs = recording.sampling_rate_hz
    margin = int(MARGIN_S * fs)
    lo = max(0, min(t.sample_start for t in trials) - margin)
    hi = max(t.sample_stop for t in trials) + margin
    samples = recording_samples(recording, sample_from=lo, sample_to=hi).samples
    roles = _roles(session)
    protocol = session.protocol
    # One zero-phase envelope of the whole span, for the plot and the symmetry time in zone.
    finite = np.isfinite(samples).all(axis=0)
    envelope = moving_rms(filter_emg(np.where(np.isfinite(samples), samples, 0.0), fs), fs, 0.1)
    envelope[:, ~finite] = np.nan
    results = []
    for trial in trials:
        start, stop = trial.sample_start - lo, min(trial.sample_stop, hi) - lo
        entry = {
            "number": trial.number,
            "prompt": trial.prompt,
            "emotional_cue": trial.emotional_cue,
            "duration_s": round((trial.sample_stop - trial.sample_start) / fs, 3),
            "start_s": round((trial.sample_start - lo) / fs, 3),
            "recording": str(recording.pk),
        }
        try:
            summary = summarise_trial(
                samples,
                fs,
                start=start,
                stop=stop,
                protocol=protocol,
                calibration=calibration,
                threshold_pct=session.threshold_pct
                if calibration is not None and protocol != BiofeedbackSession.Protocol.SYMMETRY
                else None,
                ceiling_pct=session.ceiling_pct
                if calibration is not None and protocol == BiofeedbackSession.Protocol.INHIBITION
                else None,
                **roles,
            ).to_dict()
        except ValueError as exc:
            entry["error"] = str(exc)
            results.append(entry)
            continue
        if protocol == BiofeedbackSession.Protocol.SYMMETRY and session.threshold_pct is not None:
            affected, healthy = envelope[roles["affected"], start:stop], envelope[roles["healthy"], start:stop]
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(healthy >= ACTIVE_UV, 100.0 * affected / healthy, np.nan)
            zone = time_in_zone(ratio, fs, threshold=session.threshold_pct)
            seconds, fraction = float(zone.seconds), float(zone.fraction)
            summary["time_in_zone_s"] = round(seconds, 3)
            summary["time_in_zone_fraction"] = round(fraction, 4) if math.isfinite(fraction) else None
        entry["summary"] = summary
        results.append(entry)
    svg = envelope_chart(
        envelope,
        fs,
        labels=labels,
        trials=[(r["number"], r["start_s"], r["start_s"] + r["duration_s"]) for r in results],
        title=f"Envelopes of session {session.pk} with trial markers",
    )
    return results, svg
