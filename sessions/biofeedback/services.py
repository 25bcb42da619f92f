"""Writes on biofeedback sessions. One transaction each, audited inside it; watchers of the live
view are told on commit (through the channel layer, at most once: the page also reloads state)."""

from __future__ import annotations

import json
import logging
import math

from django.db import transaction
from django.utils import timezone

from clinic.audit import audit_record
from clinic.errors import DomainError
from clinic.models import Chair, User
from patients.models import Patient
from sessions.models import (
    BiofeedbackSession,
    BiofeedbackTrial,
    Recording,
    SessionMarker,
    SessionReport,
)
from sessions.models.biofeedback import MUSCLES, SIDES

log = logging.getLogger("retrain.biofeedback")

Protocol = BiofeedbackSession.Protocol
DEFAULT_THRESHOLD = {Protocol.SYMMETRY: 80.0, Protocol.INHIBITION: 40.0, Protocol.UPTRAINING: 40.0}
DEFAULT_CEILING = 30.0
# The last samples of a step may still be on their way from the chair when the step ends.
ARRIVAL_MARGIN_S = 0.2


def emit(session_id: int, message: dict) -> None:
    """Tell the session's live watchers, after the transaction commits (never blocks a write)."""

    def send() -> None:
        from sessions.biofeedback.fanout import publish_from_sync

        try:
            publish_from_sync(session_id, json.dumps(message))
        except Exception:  # noqa: BLE001 - the live view is best effort; the page reloads state
            log.warning("biofeedback.emit_failed", extra={"session": session_id})

    transaction.on_commit(send)


def session_state(session: BiofeedbackSession) -> dict:
    """What a live page needs to draw a session (also sent to watchers after each change)."""
    current = session.trials.filter(sample_stop__isnull=True).order_by("-number").first()
    return {
        "type": "state",
        "session": session.pk,
        "protocol": session.protocol,
        "status": session.status,
        "roles": session.roles,
        "labels": [session.site_label(c) for c in range(len(session.sites))],
        "threshold_pct": session.threshold_pct,
        "ceiling_pct": session.ceiling_pct,
        "calibration": session.calibration,
        "ended": session.ended_at is not None,
        "trial": None
        if current is None
        else {
            "number": current.number,
            "prompt": current.prompt,
            "emotional_cue": current.emotional_cue,
            "duration_s": current.duration_s,
            "started_at": current.started_at.isoformat(),
        },
    }


def _require_therapist(actor: User, patient: Patient) -> None:
    if not actor.is_therapist or actor.clinic_id != patient.clinic_id:
        raise DomainError("Only a therapist of the patient's clinic runs biofeedback sessions.", code="forbidden")


def roles_for(protocol: str, sites: list[dict], *, affected_side: str, target_channel: int = 0) -> dict:
    """Channel roles from the protocol and the electrode sites (CLINICAL.md 7, protocols)."""
    if protocol == Protocol.SYMMETRY:
        if sites[0]["muscle"] != sites[1]["muscle"] or sites[0]["side"] == sites[1]["side"]:
            raise DomainError(
                "Symmetry training compares the same muscle on both sides: pick one muscle, left and right.",
                code="sites",
                field="sites",
            )
        affected = next((c for c, s in enumerate(sites) if s["side"] == affected_side), 0)
        return {"affected": affected, "healthy": 1 - affected}
    if target_channel not in (0, 1):
        raise DomainError("The target is channel 1 or 2.", code="target", field="target_channel")
    if protocol == Protocol.INHIBITION:
        if sites[0] == sites[1]:
            raise DomainError(
                "Inhibition needs the target and the synkinetic muscle on two different sites.",
                code="sites",
                field="sites",
            )
        return {"target": target_channel, "inhibit": 1 - target_channel}
    if protocol == Protocol.UPTRAINING:
        return {"target": target_channel}
    raise DomainError("Choose a protocol.", code="protocol", field="protocol")


def _check_sites(sites: list[dict]) -> list[dict]:
    muscles, sides = dict(MUSCLES), dict(SIDES)
    if len(sites) != 2:
        raise DomainError("Record the electrode site of both channels.", code="sites", field="sites")
    clean = []
    for site in sites:
        if site.get("muscle") not in muscles or site.get("side") not in sides:
            raise DomainError("Each channel needs a muscle and a side.", code="sites", field="sites")
        clean.append({"muscle": site["muscle"], "side": site["side"]})
    return clean


def _check_pct(value: float | None, name: str) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value) or not 0 <= value <= 200:
        raise DomainError(f"The {name} is a % of calibration between 0 and 200.", code="range", field=name)
    return round(float(value), 1)


def open_recording_of_chair(chair_id: int) -> Recording | None:
    return Recording.objects.filter(chair_id=chair_id, ended_at__isnull=True).order_by("-started_at").first()


@transaction.atomic
def biofeedback_session_start(
    *,
    actor: User,
    patient: Patient,
    chair: Chair,
    protocol: str,
    sites: list[dict],
    target_channel: int = 0,
    threshold_pct: float | None = None,
    ceiling_pct: float | None = None,
) -> BiofeedbackSession:
    _require_therapist(actor, patient)
    if chair.clinic_id != patient.clinic_id:
        raise DomainError("That chair belongs to another clinic.", code="chair", field="chair")
    sites = _check_sites(sites)
    roles = roles_for(protocol, sites, affected_side=patient.affected_side, target_channel=target_channel)
    if BiofeedbackSession.objects.select_for_update().filter(chair=chair, ended_at__isnull=True).exists():
        raise DomainError(
            f"{chair.name} already has a session running; end it first.", code="chair_busy", field="chair"
        )
    threshold = _check_pct(threshold_pct, "threshold_pct")
    ceiling = _check_pct(ceiling_pct, "ceiling_pct")
    recording = open_recording_of_chair(chair.pk)
    session = BiofeedbackSession.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        chair=chair,
        therapist=actor,
        protocol=protocol,
        sites=sites,
        roles=roles,
        threshold_pct=threshold if threshold is not None else DEFAULT_THRESHOLD[Protocol(protocol)],
        ceiling_pct=(ceiling if ceiling is not None else DEFAULT_CEILING) if protocol == Protocol.INHIBITION else None,
        recording=recording,
        sample_from=max(0, recording.sample_at(timezone.now())) if recording else None,
    )
    audit_record(
        actor=actor,
        action="biofeedback.start",
        obj=session,
        extra={"protocol": protocol, "chair": chair.pk, "sites": sites},
    )
    return session


def biofeedback_attach_recording(*, session_id: int, recording_id, sample: int) -> bool:
    """Make the chair's streaming recording the session's current one (live path): when the session
    started before the chair streamed, or the agent restarted and opened a new recording."""
    with transaction.atomic():
        session = (
            BiofeedbackSession.objects.select_for_update()
            .filter(pk=session_id, ended_at__isnull=True)
            .exclude(recording_id=recording_id)
            .first()
        )
        if session is None:
            return False
        previous = session.recording_id
        session.recording_id = recording_id
        fields = ["recording"]
        if previous is None:
            session.sample_from = max(0, sample)
            fields.append("sample_from")
        session.save(update_fields=fields)
        audit_record(
            actor=None,
            actor_label="live view",
            action="biofeedback.recording_linked",
            obj=session,
            extra={"recording": str(recording_id), "previous": str(previous) if previous else None},
        )
    return True


def _sample_now(session: BiofeedbackSession, *, margin_s: float = ARRIVAL_MARGIN_S) -> int:
    if session.recording is None:
        raise DomainError(f"{session.chair.name} is not streaming yet: check the device.", code="no_recording")
    return max(0, session.recording.sample_at(timezone.now()) - int(margin_s * session.recording.sampling_rate_hz))


def _open_session(session: BiofeedbackSession) -> None:
    if session.ended_at is not None:
        raise DomainError("The session has ended.", code="ended")


@transaction.atomic
def biofeedback_calibration_step(
    *,
    actor: User,
    session: BiofeedbackSession,
    kind: str,
    channel: int | None = None,
    seconds: float | None = None,
    sample_from: int | None = None,
    sample_to: int | None = None,
) -> BiofeedbackSession:
    """Record one calibration step (rest, or a channel's maximal voluntary expression).

    The range is either given in samples, or the last ``seconds`` before now. Once rest and every
    channel's maximum are recorded, the calibration is measured from the stored samples.
    """
    from sessions.biofeedback.calibration import measure_calibration

    session = (
        BiofeedbackSession.objects.select_for_update(of=("self",))
        .select_related("recording", "chair")
        .get(pk=session.pk)
    )
    _open_session(session)
    if kind not in SessionMarker.Kind.values:
        raise DomainError("Unknown calibration step.", code="step")
    if kind == SessionMarker.Kind.MAXIMUM and channel not in range(len(session.sites)):
        raise DomainError("Say which channel the maximal expression is for.", code="channel")
    if sample_from is None or sample_to is None:
        if seconds is None or not 1 <= seconds <= 30:
            raise DomainError("A calibration step lasts 1 to 30 s.", code="seconds")
        sample_to = _sample_now(session)
        sample_from = max(0, sample_to - int(seconds * session.recording.sampling_rate_hz))
    if session.recording is None or sample_to <= sample_from:
        raise DomainError("The step has no samples.", code="empty")
    session.markers.filter(kind=kind, channel=channel if kind == SessionMarker.Kind.MAXIMUM else None).delete()
    SessionMarker.objects.create(
        session=session,
        recording=session.recording,
        kind=kind,
        channel=channel if kind == SessionMarker.Kind.MAXIMUM else None,
        sample_from=sample_from,
        sample_to=sample_to,
    )
    markers = list(session.markers.filter(recording=session.recording))
    rest = next((m for m in markers if m.kind == SessionMarker.Kind.REST), None)
    maxima = {m.channel: m for m in markers if m.kind == SessionMarker.Kind.MAXIMUM}
    calibration = None
    if rest is not None and set(maxima) == set(range(len(session.sites))):
        calibration = measure_calibration(session.recording, rest, [maxima[c] for c in range(len(session.sites))])
        session.calibration = calibration
        session.status = BiofeedbackSession.Status.TRAINING
        session.save(update_fields=["calibration", "status"])
    audit_record(
        actor=actor,
        action="biofeedback.calibrate",
        obj=session,
        extra={"step": kind, "channel": channel, "samples": [sample_from, sample_to], "calibration": calibration},
    )
    emit(session.pk, session_state(session))
    return session


@transaction.atomic
def biofeedback_set_thresholds(
    *,
    actor: User,
    session: BiofeedbackSession,
    threshold_pct: float | None = None,
    ceiling_pct: float | None = None,
) -> BiofeedbackSession:
    session = BiofeedbackSession.objects.select_for_update().get(pk=session.pk)
    _open_session(session)
    changed = {}
    if threshold_pct is not None:
        session.threshold_pct = changed["threshold_pct"] = _check_pct(threshold_pct, "threshold_pct")
    if ceiling_pct is not None:
        if session.protocol != Protocol.INHIBITION:
            raise DomainError("Only inhibition training has a ceiling.", code="ceiling", field="ceiling_pct")
        session.ceiling_pct = changed["ceiling_pct"] = _check_pct(ceiling_pct, "ceiling_pct")
    if changed:
        session.save(update_fields=list(changed))
        audit_record(actor=actor, action="biofeedback.thresholds", obj=session, extra=changed)
        emit(session.pk, session_state(session))
    return session


@transaction.atomic
def biofeedback_trial_start(
    *,
    actor: User,
    session: BiofeedbackSession,
    prompt: str,
    emotional_cue: str = "",
    duration_s: float = 10.0,
    sample_start: int | None = None,
) -> BiofeedbackTrial:
    session = (
        BiofeedbackSession.objects.select_for_update(of=("self",))
        .select_related("recording", "chair")
        .get(pk=session.pk)
    )
    _open_session(session)
    prompt = (prompt or "").strip()
    if not prompt:
        raise DomainError("Give the exercise prompt the patient will see.", code="prompt", field="prompt")
    if not math.isfinite(duration_s) or not 1 <= duration_s <= 120:
        raise DomainError("A trial lasts 1 to 120 s.", code="duration", field="duration_s")
    now_sample = sample_start if sample_start is not None else _sample_now(session, margin_s=0)
    for running in session.trials.filter(sample_stop__isnull=True):
        _stop(running, now_sample)
    number = (session.trials.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    trial = BiofeedbackTrial.objects.create(
        session=session,
        recording=session.recording,
        number=number,
        prompt=prompt[:200],
        emotional_cue=(emotional_cue or "").strip()[:200],
        duration_s=float(duration_s),
        sample_start=now_sample,
    )
    audit_record(
        actor=actor,
        action="biofeedback.trial_start",
        obj=trial,
        patient_id=session.patient_id,
        extra={"session": session.pk, "number": number, "sample_start": now_sample},
    )
    emit(session.pk, session_state(session))
    return trial


def _stop(trial: BiofeedbackTrial, sample: int) -> None:
    trial.sample_stop = max(sample, trial.sample_start + 1)
    trial.ended_at = timezone.now()
    trial.save(update_fields=["sample_stop", "ended_at"])


@transaction.atomic
def biofeedback_trial_stop(*, actor: User, trial: BiofeedbackTrial, sample_stop: int | None = None) -> BiofeedbackTrial:
    trial = (
        BiofeedbackTrial.objects.select_for_update(of=("self",))
        .select_related("session__recording", "session__chair")
        .get(pk=trial.pk)
    )
    if trial.sample_stop is None:
        session = trial.session
        stop = sample_stop if sample_stop is not None else _sample_now(session, margin_s=0)
        # A trial never runs past its planned duration in the record.
        planned = trial.sample_start + int(trial.duration_s * session.recording.sampling_rate_hz)
        _stop(trial, min(stop, planned) if sample_stop is None else stop)
        audit_record(
            actor=actor,
            action="biofeedback.trial_stop",
            obj=trial,
            patient_id=session.patient_id,
            extra={"session": session.pk, "number": trial.number, "sample_stop": trial.sample_stop},
        )
        emit(session.pk, session_state(session))
    return trial


@transaction.atomic
def biofeedback_session_end(*, actor: User, session: BiofeedbackSession, sample_to: int | None = None) -> SessionReport:
    """End the session and queue its report (a second end, or a retried queue, stores one report)."""
    from sessions.biofeedback.tasks import session_report

    session = (
        BiofeedbackSession.objects.select_for_update(of=("self",))
        .select_related("recording", "chair")
        .get(pk=session.pk)
    )
    if session.ended_at is None:
        end = sample_to
        if end is None and session.recording is not None:
            end = _sample_now(session, margin_s=0)
        for running in session.trials.filter(sample_stop__isnull=True):
            _stop(running, end if end is not None else running.sample_start + 1)
        session.ended_at = timezone.now()
        session.sample_to = end
        session.status = BiofeedbackSession.Status.ENDED
        session.save(update_fields=["ended_at", "sample_to", "status"])
        audit_record(actor=actor, action="biofeedback.end", obj=session, extra={"trials": session.trials.count()})
        emit(session.pk, session_state(session))
    report, created = SessionReport.objects.get_or_create(session=session)
    if created or report.status == SessionReport.Status.FAILED:
        if not created:
            SessionReport.objects.filter(pk=report.pk).update(status=SessionReport.Status.QUEUED, error="")
        transaction.on_commit(lambda: session_report.delay(session.pk))
    return report
