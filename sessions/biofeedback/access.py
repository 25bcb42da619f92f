"""The only way views, consumers and the API fetch biofeedback sessions for a user.

Sessions are clinical working records: therapists of the patient's clinic only. A patient does
not open a session (nor its live socket); out of reach is a 404 / a refused handshake, audited.
"""

from __future__ import annotations

from django.db.models import QuerySet

from clinic.audit import audit_record
from clinic.models import User
from patients.access import deny
from sessions.models import BiofeedbackSession, BiofeedbackTrial


def _pk(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def sessions_visible_to(user: User) -> QuerySet[BiofeedbackSession]:
    if not user.is_authenticated or not user.is_active or not user.is_therapist:
        return BiofeedbackSession.objects.none()
    return BiofeedbackSession.objects.filter(patient__clinic_id=user.clinic_id, clinic_id=user.clinic_id)


def access_session(
    user: User, session_id, *, action: str = "biofeedback.view", audit_read: bool = True, for_update: bool = False
) -> BiofeedbackSession:
    queryset = sessions_visible_to(user).select_related("patient", "chair", "therapist", "recording")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    session = queryset.filter(pk=_pk(session_id)).first()
    if session is None:
        raise deny(user, action=action, object_type="biofeedbacksession", object_id=str(session_id)[:64])
    if audit_read:
        audit_record(actor=user, action=action, obj=session, patient_id=session.patient_id)
    return session


def access_trial(user: User, trial_id, *, action: str = "biofeedback.trial", audit_read: bool = False):
    trial = (
        BiofeedbackTrial.objects.filter(session__in=sessions_visible_to(user), pk=_pk(trial_id))
        .select_related("session", "session__recording", "session__patient")
        .first()
    )
    if trial is None:
        raise deny(user, action=action, object_type="biofeedbacktrial", object_id=str(trial_id)[:64])
    if audit_read:
        audit_record(actor=user, action=action, obj=trial, patient_id=trial.session.patient_id)
    return trial
