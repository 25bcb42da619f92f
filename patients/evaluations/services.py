"""Writes on evaluations: create, record scale items, complete (sign and lock), amend.

Every function is one transaction that locks the evaluation row, so two people saving at the same
moment cannot interleave, and writes its audit row inside the same transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from clinic.audit import audit_record
from clinic.errors import DomainError
from clinic.models import User
from patients.models import Evaluation, EvaluationAmendment, EvaluationScale, Patient
from patients.scales import GRADING_SCALES, SCALES, ScaleError, get_scale

_SOURCE_RE = re.compile(r"^[a-z][a-z_]{0,23}$")
_EDITABLE_DETAILS = ("kind", "performed_on", "notes")


class ScaleItemsInvalid(DomainError):
    """Some answers were refused; ``errors`` maps ``<scale>.<item>`` to a message for each of them."""

    def __init__(self, scale: str, errors: dict[str, str]):
        self.errors = {f"{scale}.{code}": message for code, message in errors.items()}
        first_field, first_message = next(iter(self.errors.items()))
        super().__init__(f"{first_field}: {first_message}", field=first_field, code="invalid_items")


def _ensure_writer(actor: User, patient: Patient) -> None:
    if not (actor.is_authenticated and actor.is_therapist and actor.clinic_id == patient.clinic_id):
        raise PermissionDenied("Only therapists of the patient's clinic record evaluations.")


def _lock(evaluation: Evaluation) -> Evaluation:
    return Evaluation.objects.select_for_update().select_related("patient").get(pk=evaluation.pk)


def content_digest(evaluation: Evaluation) -> str:
    """SHA-256 over what a signature vouches for: details, notes and every stored item answer."""
    scales = {entry.scale: entry.items for entry in EvaluationScale.objects.filter(evaluation=evaluation)}
    payload = {
        "evaluation": evaluation.pk,
        "patient": evaluation.patient_id,
        "kind": evaluation.kind,
        "performed_on": evaluation.performed_on.isoformat(),
        "notes": evaluation.notes,
        "scales": scales,
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


@transaction.atomic
def evaluation_create(
    *,
    actor: User,
    patient: Patient,
    performed_on: date | None = None,
    kind: str | None = None,
    clinician: User | None = None,
) -> Evaluation:
    _ensure_writer(actor, patient)
    clinician = clinician or actor
    if not (clinician.is_therapist and clinician.clinic_id == patient.clinic_id):
        raise DomainError("The clinician must be a therapist of this clinic.", field="clinician")
    performed_on = performed_on or timezone.localdate()
    if performed_on > timezone.localdate():
        raise DomainError("An evaluation cannot be dated in the future.", field="performed_on")
    if kind is None:
        kind = Evaluation.Kind.FOLLOW_UP if patient.evaluations.exists() else Evaluation.Kind.INITIAL
    if kind not in Evaluation.Kind.values:
        raise DomainError("Unknown kind of evaluation.", field="kind")
    evaluation = Evaluation.objects.create(patient=patient, clinician=clinician, kind=kind, performed_on=performed_on)
    audit_record(actor=actor, action="evaluation.create", obj=evaluation, extra={"kind": kind})
    return evaluation


def _changes(before: dict, after: dict) -> list[dict[str, Any]]:
    keys = sorted(set(before) | set(after))
    return [
        {"item": key, "before": before.get(key), "after": after.get(key)}
        for key in keys
        if before.get(key) != after.get(key)
    ]


def _require_reason(evaluation: Evaluation, reason: str) -> str:
    reason = (reason or "").strip()
    if evaluation.is_locked and len(reason) < 3:
        raise DomainError(
            "This evaluation is signed: say why you are amending it.", field="reason", code="reason_required"
        )
    return reason


@transaction.atomic
def evaluation_set_scale_items(
    *,
    actor: User,
    evaluation: Evaluation,
    scale: str,
    items: dict[str, float | int | str | None],
    source: str = "therapist",
    source_ref: str = "",
    reason: str = "",
) -> EvaluationScale:
    """Merge ``items`` into one scale of an evaluation, validate, rescore and audit.

    A ``None`` value clears an item. On a draft the change is a plain edit; on a signed evaluation it
    is recorded as an amendment and ``reason`` is required. ``source`` says where the values came
    from (``therapist``, ``photo`` when a therapist accepts suggestions from photo grading, …) and
    ``source_ref`` points at the origin (e.g. a photo set); both are kept per item.
    Returns the ``EvaluationScale`` (its ``scores`` carry the scoring version).
    """
    if scale not in SCALES:
        raise DomainError(f"Unknown scale {scale!r}.", field="scale")
    if not _SOURCE_RE.match(source or ""):
        raise DomainError("The source is a short lower-case word, e.g. therapist or photo.", field="source")
    evaluation = _lock(evaluation)
    _ensure_writer(actor, evaluation.patient)
    reason = _require_reason(evaluation, reason)
    module = get_scale(scale)
    try:
        cleaned = module.validate(items)
    except ScaleError as exc:
        raise ScaleItemsInvalid(scale, exc.errors) from None

    entry = EvaluationScale.objects.select_for_update().filter(evaluation=evaluation, scale=scale).first()
    before_items = dict(entry.items) if entry else {}
    before_scores = dict(entry.scores) if entry else {}
    merged = dict(before_items)
    for code, value in cleaned.items():
        if value is None:
            merged.pop(code, None)
        else:
            merged[code] = value
    changes = _changes(before_items, merged)
    if not changes:
        if entry is None:
            entry = EvaluationScale(evaluation=evaluation, scale=scale)
        return entry

    scores = module.score(merged)
    sources = dict(entry.item_sources) if entry else {}
    stamp = timezone.now().isoformat()
    for change in changes:
        if change["after"] is None:
            sources.pop(change["item"], None)
        else:
            sources[change["item"]] = {"source": source, "ref": source_ref[:120], "by": actor.pk, "at": stamp}
    if entry is None:
        entry = EvaluationScale(evaluation=evaluation, scale=scale)
    entry.items = merged
    entry.item_sources = sources
    entry.scores = scores
    entry.scoring_version = module.VERSION
    entry.updated_by = actor
    entry.save()

    extra = {"scale": scale, "items": [c["item"] for c in changes], "source": source}
    if evaluation.is_locked:
        amendment = EvaluationAmendment.objects.create(
            evaluation=evaluation,
            section=scale,
            by=actor,
            reason=reason,
            changes=changes,
            scores_before=before_scores,
            scores_after=scores,
            source=source,
            source_ref=source_ref[:120],
            digest_after=content_digest(evaluation),
        )
        evaluation.amended_at = amendment.at
        evaluation.save(update_fields=["amended_at", "updated_at"])
        audit_record(actor=actor, action="evaluation.amend", obj=evaluation, extra=extra | {"amendment": amendment.pk})
    else:
        evaluation.save(update_fields=["updated_at"])
        audit_record(actor=actor, action="evaluation.scale_update", obj=evaluation, extra=extra)
    return entry


@transaction.atomic
def evaluation_update(*, actor: User, evaluation: Evaluation, reason: str = "", **fields: Any) -> Evaluation:
    """Change the kind, the date or the notes; on a signed evaluation this is an amendment."""
    unknown = set(fields) - set(_EDITABLE_DETAILS)
    if unknown:
        raise DomainError(f"Unknown evaluation fields: {', '.join(sorted(unknown))}")
    evaluation = _lock(evaluation)
    _ensure_writer(actor, evaluation.patient)
    reason = _require_reason(evaluation, reason)
    if "kind" in fields and fields["kind"] not in Evaluation.Kind.values:
        raise DomainError("Unknown kind of evaluation.", field="kind")
    if "performed_on" in fields:
        if not isinstance(fields["performed_on"], date):
            raise DomainError("A date is expected.", field="performed_on")
        if fields["performed_on"] > timezone.localdate():
            raise DomainError("An evaluation cannot be dated in the future.", field="performed_on")
    if "notes" in fields:
        fields["notes"] = (fields["notes"] or "").strip()
    before = {key: getattr(evaluation, key) for key in fields}
    changes = [
        {"item": key, "before": _plain(before[key]), "after": _plain(value)}
        for key, value in fields.items()
        if before[key] != value
    ]
    if not changes:
        return evaluation
    for key, value in fields.items():
        setattr(evaluation, key, value)
    evaluation.save()
    if evaluation.is_locked:
        section = "notes" if [c["item"] for c in changes] == ["notes"] else "details"
        amendment = EvaluationAmendment.objects.create(
            evaluation=evaluation,
            section=section,
            by=actor,
            reason=reason,
            changes=changes,
            digest_after=content_digest(evaluation),
        )
        evaluation.amended_at = amendment.at
        evaluation.save(update_fields=["amended_at"])
        audit_record(
            actor=actor,
            action="evaluation.amend",
            obj=evaluation,
            extra={"fields": [c["item"] for c in changes], "amendment": amendment.pk},
        )
    else:
        audit_record(
            actor=actor, action="evaluation.update", obj=evaluation, extra={"fields": [c["item"] for c in changes]}
        )
    return evaluation


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def incomplete_scales(evaluation: Evaluation) -> dict[str, list[str]]:
    """Grading scales that were started but not finished → their missing items."""
    result = {}
    for entry in EvaluationScale.objects.filter(evaluation=evaluation, scale__in=GRADING_SCALES):
        if entry.items and not entry.scores.get("complete"):
            result[entry.scale] = list(entry.scores.get("missing", []))
    return result


@transaction.atomic
def evaluation_complete(*, actor: User, evaluation: Evaluation) -> Evaluation:
    """Sign and lock: needs at least one finished grading scale and no half-filled one."""
    evaluation = _lock(evaluation)
    _ensure_writer(actor, evaluation.patient)
    if evaluation.is_locked:
        raise DomainError("This evaluation is already signed.", code="already_completed")
    unfinished = incomplete_scales(evaluation)
    if unfinished:
        scale, missing = next(iter(unfinished.items()))
        title = SCALES[scale].TITLE
        raise DomainError(
            f"{title} is not finished ({len(missing)} item(s) missing: {', '.join(missing[:5])}"
            f"{'…' if len(missing) > 5 else ''}). Finish it or clear it before signing.",
            field=scale,
            code="incomplete",
        )
    finished = EvaluationScale.objects.filter(
        evaluation=evaluation, scale__in=GRADING_SCALES, scores__complete=True
    ).exists()
    if not finished:
        raise DomainError(
            "Grade at least one scale (House-Brackmann, Sunnybrook or eFACE) before signing.", code="empty"
        )
    evaluation.status = Evaluation.Status.COMPLETED
    evaluation.completed_at = timezone.now()
    evaluation.completed_by = actor
    evaluation.signed_digest = content_digest(evaluation)
    evaluation.save()
    audit_record(actor=actor, action="evaluation.complete", obj=evaluation, extra={"digest": evaluation.signed_digest})
    return evaluation


@transaction.atomic
def evaluation_discard(*, actor: User, evaluation: Evaluation) -> None:
    """Delete a draft; signed evaluations are part of the record and stay."""
    evaluation = _lock(evaluation)
    _ensure_writer(actor, evaluation.patient)
    if evaluation.is_locked:
        raise DomainError("A signed evaluation cannot be deleted; amend it instead.", code="locked")
    audit_record(actor=actor, action="evaluation.discard", obj=evaluation)
    evaluation.delete()


def scale_entries_to_rescore(scale: str | None = None):
    """Stored scales whose scores came from an older version of the scoring code."""
    entries = EvaluationScale.objects.select_related("evaluation")
    if scale:
        entries = entries.filter(scale=scale)
    return [entry for entry in entries.order_by("pk") if entry.scoring_version != SCALES[entry.scale].VERSION]


@transaction.atomic
def evaluation_scale_rescore(*, entry: EvaluationScale) -> dict:
    """Score the stored answers again with the current version of the scale.

    The answers do not change, so this is not an amendment; the audit row keeps the scores and the
    version they replace. Returns ``{"from", "to", "before", "after"}``.
    """
    entry = EvaluationScale.objects.select_for_update().select_related("evaluation").get(pk=entry.pk)
    module = SCALES[entry.scale]
    before, old_version = dict(entry.scores), entry.scoring_version
    entry.scores = module.score(entry.items)
    entry.scoring_version = module.VERSION
    entry.save(update_fields=["scores", "scoring_version", "updated_at"])
    change = {"from": old_version, "to": module.VERSION, "before": before, "after": entry.scores}
    audit_record(
        actor=None,
        actor_label="system",
        action="evaluation.rescore",
        obj=entry.evaluation,
        extra={"scale": entry.scale, "from": old_version, "to": module.VERSION, "before": before},
    )
    return change
