"""What biofeedback sessions add to the patient record (PATIENT_TIMELINE_PROVIDERS,
PROGRESS_SERIES_PROVIDERS): each session on the timeline, and the per-session means of the
symmetry index and co-activation ratio as progress series."""

from __future__ import annotations

from django.urls import reverse

from sessions.models import BiofeedbackSession, SessionReport


def _fmt(value) -> str:
    return "—" if value is None else f"{value:.2f}"


def timeline(patient) -> list[dict]:
    entries = []
    for session in BiofeedbackSession.objects.filter(patient=patient).select_related("chair").order_by("-started_at"):
        report = SessionReport.objects.filter(session=session, status=SessionReport.Status.DONE).first()
        detail = f"{session.chair.name}, {session.trials.count()} trial(s)"
        if report is not None:
            if report.summary.get("symmetry_index") is not None:
                detail += f"; symmetry index {_fmt(report.summary['symmetry_index'])}"
            if report.summary.get("coactivation_ratio") is not None:
                detail += f"; co-activation {_fmt(report.summary['coactivation_ratio'])}"
        entries.append(
            {
                "at": session.started_at,
                "kind": "biofeedback",
                "title": f"EMG biofeedback: {session.get_protocol_display().lower()}",
                "detail": detail,
                "url": reverse("therapy:biofeedback-session", args=[session.pk]),
            }
        )
    return entries


def session_points(patient, *, until=None) -> dict[str, list[dict]]:
    reports = SessionReport.objects.filter(session__patient=patient, status=SessionReport.Status.DONE).select_related(
        "session"
    )
    if until is not None:
        reports = reports.filter(session__started_at__lte=until)
    points: dict[str, list[dict]] = {"symmetry_index": [], "coactivation_ratio": []}
    for report in reports.order_by("session__started_at"):
        day = report.session.started_at.date()
        for key in points:
            value = report.summary.get(key)
            if value is not None:
                points[key].append({"date": day, "value": round(float(value), 3), "session": report.session_id})
    return points


def progress_series(patient, *, until=None) -> list[dict]:
    points = session_points(patient, until=until)
    series = []
    if points["symmetry_index"]:
        series.append(
            {
                "key": "emg_symmetry_index",
                "label": "EMG symmetry index (affected / healthy)",
                "unit": "",
                "group": "EMG biofeedback",
                "points": points["symmetry_index"],
                "higher_is_better": True,
            }
        )
    if points["coactivation_ratio"]:
        series.append(
            {
                "key": "emg_coactivation",
                "label": "EMG co-activation (synkinetic / target)",
                "unit": "",
                "group": "EMG biofeedback",
                "points": points["coactivation_ratio"],
                "higher_is_better": False,
            }
        )
    return series
