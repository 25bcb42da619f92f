"""The only way views and the API fetch media, gradings and the evaluations they belong to.

Built on ``patients.access`` (``access_evaluation``, ``deny``): therapists reach their own clinic's
patients; anything else is a 404 indistinguishable from a missing object, and the refusal is
audited. Patients do not see clinical photos or videos in this version, not even their own: the
photos are graded with the therapist and shown to the patient in the session at the therapist's
judgement, and a self-service gallery of one's palsy is not something to offer without that
conversation. A patient asking for any media gets the same audited 404.
"""

from __future__ import annotations

from django.db.models import QuerySet

from clinic.audit import audit_record
from patients import access as record_access
from patients.access import deny
from patients.models import Evaluation, GradingRun, MediaAsset


def _is_clinician(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_therapist and user.clinic_id)


def media_visible_to(user) -> QuerySet[MediaAsset]:
    if not _is_clinician(user):
        return MediaAsset.objects.none()
    return MediaAsset.objects.filter(patient__clinic_id=user.clinic_id)


def runs_visible_to(user) -> QuerySet[GradingRun]:
    if not _is_clinician(user):
        return GradingRun.objects.none()
    return GradingRun.objects.filter(patient__clinic_id=user.clinic_id)


def _pk(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def access_evaluation(
    user, evaluation_id, *, patient_id=None, action: str = "media.view", audit_read: bool = True, for_update=False
) -> Evaluation:
    """An evaluation whose photo record ``user`` may work on (and, if given, of that patient):
    ``patients.access.access_evaluation`` with the patient of the URL checked too."""
    evaluation = record_access.access_evaluation(
        user, evaluation_id, action=action, audit_read=False, for_update=for_update
    )
    if patient_id is not None and str(evaluation.patient_id) != str(patient_id):
        raise deny(user, action=action, object_type="evaluation", object_id=str(evaluation_id)[:64])
    if audit_read:
        audit_record(actor=user, action=action, obj=evaluation)
    return evaluation


def access_asset(user, asset_id, *, action: str = "media.view", audit_read: bool = True) -> MediaAsset:
    pk = _pk(asset_id)
    asset = (
        media_visible_to(user).select_related("evaluation", "patient").filter(pk=pk).first() if pk is not None else None
    )
    if asset is None:
        raise deny(user, action=action, object_type="mediaasset", object_id=str(asset_id)[:64])
    if audit_read:
        audit_record(actor=user, action=action, obj=asset)
    return asset


def access_run(user, run_id, *, action: str = "grading.view", audit_read: bool = True, for_update=False) -> GradingRun:
    pk = _pk(run_id)
    queryset = runs_visible_to(user).select_related("evaluation", "patient")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    run = queryset.filter(pk=pk).first() if pk is not None else None
    if run is None:
        raise deny(user, action=action, object_type="gradingrun", object_id=str(run_id)[:64])
    if audit_read:
        audit_record(actor=user, action=action, obj=run)
    return run
