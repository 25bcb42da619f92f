"""Pages of the biofeedback sessions: the patient's tab, the live session (therapist and patient
screens), the report; small JSON endpoints the live page posts to and polls."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from clinic.decorators import therapist_required
from clinic.errors import DomainError
from clinic.models import Chair
from patients.access import access_patient
from patients.progress.charts import line_chart
from sessions.biofeedback import services
from sessions.biofeedback.access import access_session, access_trial
from sessions.biofeedback.forms import PROMPTS, StartSessionForm
from sessions.biofeedback.hooks import progress_series
from sessions.models import BiofeedbackSession, SessionReport


def _error(exc: DomainError, status: int = 400) -> JsonResponse:
    fields = {exc.field: [exc.message]} if exc.field else {}
    return JsonResponse(
        {"error": {"status": status, "code": exc.code, "message": exc.message, "fields": fields}}, status=status
    )


def _body(request) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST.dict()


def _float(data: dict, name: str) -> float | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DomainError(f"{name} must be a number.", code="invalid", field=name) from None


def _int(data: dict, name: str) -> int | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError(f"{name} must be a whole number.", code="invalid", field=name) from None


@therapist_required
def patient_sessions(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="biofeedback.list")
    chairs = Chair.objects.filter(clinic_id=patient.clinic_id, is_active=True)
    form = StartSessionForm(request.POST or None, chairs=chairs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.biofeedback_session_start(
                actor=request.user,
                patient=patient,
                chair=data["chair"],
                protocol=data["protocol"],
                sites=form.sites(),
                target_channel=data["target_channel"],
                threshold_pct=data["threshold_pct"],
                ceiling_pct=data["ceiling_pct"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("therapy:biofeedback-session", session.pk)
    sessions = (
        BiofeedbackSession.objects.filter(patient=patient)
        .select_related("chair", "therapist", "report")
        .order_by("-started_at")
    )
    return render(
        request,
        "therapy/biofeedback/patient_tab.html",
        {"patient": patient, "active_tab": "biofeedback", "form": form, "sessions": sessions},
    )


@therapist_required
def session_live(request, session_id: int):
    session = access_session(request.user, session_id, action="biofeedback.view")
    if session.ended_at is not None:
        return redirect("therapy:biofeedback-report", session.pk)
    return render(
        request,
        "therapy/biofeedback/live.html",
        {
            "session": session,
            "patient": session.patient,
            "state": services.session_state(session),
            "prompts": PROMPTS,
            "channels": [session.site_label(c) for c in range(len(session.sites))],
            "ws_path": f"/ws/biofeedback/{session.pk}/",
        },
    )


@therapist_required
def session_screen(request, session_id: int):
    """The large, simple patient-facing view for a second screen (opened by the therapist)."""
    session = access_session(request.user, session_id, action="biofeedback.screen")
    return render(
        request,
        "therapy/biofeedback/screen.html",
        {
            "session": session,
            "state": services.session_state(session),
            "ws_path": f"/ws/biofeedback/{session.pk}/",
        },
    )


@therapist_required
@require_GET
def session_state(request, session_id: int):
    session = access_session(request.user, session_id, action="biofeedback.view")
    return JsonResponse(services.session_state(session))


@therapist_required
@require_POST
def session_calibrate(request, session_id: int):
    session = access_session(request.user, session_id, action="biofeedback.calibrate", audit_read=False)
    data = _body(request)
    try:
        session = services.biofeedback_calibration_step(
            actor=request.user,
            session=session,
            kind=str(data.get("kind", "")),
            channel=_int(data, "channel"),
            seconds=_float(data, "seconds"),
        )
    except DomainError as exc:
        return _error(exc)
    return JsonResponse(services.session_state(session))


@therapist_required
@require_POST
def trial_start(request, session_id: int):
    session = access_session(request.user, session_id, action="biofeedback.trial_start", audit_read=False)
    data = _body(request)
    try:
        trial = services.biofeedback_trial_start(
            actor=request.user,
            session=session,
            prompt=str(data.get("prompt", "")),
            emotional_cue=str(data.get("emotional_cue", "")),
            duration_s=_float(data, "duration_s") or 10.0,
        )
    except DomainError as exc:
        return _error(exc)
    return JsonResponse({"trial": trial.pk, "number": trial.number, "state": services.session_state(session)})


@therapist_required
@require_POST
def trial_stop(request, trial_id: int):
    trial = access_trial(request.user, trial_id, action="biofeedback.trial_stop")
    try:
        trial = services.biofeedback_trial_stop(actor=request.user, trial=trial)
    except DomainError as exc:
        return _error(exc)
    return JsonResponse({"trial": trial.pk, "state": services.session_state(trial.session)})


@therapist_required
@require_POST
def session_end(request, session_id: int):
    session = access_session(request.user, session_id, action="biofeedback.end", audit_read=False)
    try:
        services.biofeedback_session_end(actor=request.user, session=session)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("therapy:biofeedback-session", session.pk)
    return redirect("therapy:biofeedback-report", session.pk)


@therapist_required
def session_report(request, session_id: int):
    session = access_session(request.user, session_id, action="biofeedback.report_view")
    report = SessionReport.objects.filter(session=session).first()
    trend = [
        s
        for s in progress_series(session.patient, until=session.started_at)
        if s["key"] == ("emg_symmetry_index" if session.protocol == "symmetry" else "emg_coactivation")
        or session.protocol == "uptraining"
    ]
    return render(
        request,
        "therapy/biofeedback/report.html",
        {
            "session": session,
            "patient": session.patient,
            "active_tab": "biofeedback",
            "report": report,
            "trend_chart": line_chart(trend, title="Trend over sessions") if trend else "",
            "trend": trend,
            "channels": [session.site_label(c) for c in range(len(session.sites))],
            "status_url": reverse("therapy:biofeedback-report-status", args=[session.pk]),
        },
    )


@therapist_required
@require_GET
def report_status(request, session_id: int):
    session = access_session(request.user, session_id, action="biofeedback.report_status", audit_read=False)
    report = SessionReport.objects.filter(session=session).values("status", "progress", "error").first()
    return JsonResponse(report or {"status": "none", "progress": 0, "error": ""})
