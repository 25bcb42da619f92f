"""Writes on the photo and video record. One transaction each, audited inside it."""

from __future__ import annotations

import hashlib
import logging
import math
import os

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from clinic.audit import audit_record
from clinic.errors import DomainError
from clinic.models import User
from patients.media import storage
from patients.media.suggestions import METHOD_VERSION
from patients.media.validation import check_video, clean_photo
from patients.models import (
    AssetGrading,
    Evaluation,
    GradingRun,
    GradingSuggestion,
    MediaAsset,
    MediaView,
)
from patients.models.media import PHOTO_VIEWS, VIDEO_VIEWS

logger = logging.getLogger(__name__)

VIDEO_PLAYBACK_SIDE = 1280  # stored videos are re-encoded no larger than this on the long side


def _require_open(evaluation: Evaluation) -> None:
    if evaluation.is_locked:
        raise DomainError(
            "This evaluation is signed: photos and videos can no longer be added to it. Start a new evaluation "
            "for new photos.",
            code="locked",
        )


def _require_photography_consent(patient) -> None:
    from patients.services import consent_in_force

    if not consent_in_force(patient, "photography"):
        raise DomainError(
            "There is no photography consent in force for this patient: record it on the patient's page before "
            "taking, adding or grading photos and videos.",
            code="no_consent",
        )


def _kind_of(upload) -> str:
    from patients.media.validation import sniff

    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head)
    return MediaAsset.Kind.VIDEO if kind in ("mp4", "webm", "avi") else MediaAsset.Kind.PHOTO


@transaction.atomic
def media_upload(
    *, actor: User, evaluation: Evaluation, view: str, upload, source: str = MediaAsset.Source.UPLOAD
) -> MediaAsset:
    """Validate and store one photo or video of ``view``; it replaces the current file of that view
    (the replaced one is kept, out of the set). Refused uploads raise DomainError and store nothing."""
    _require_open(evaluation)
    _require_photography_consent(evaluation.patient)
    if source not in MediaAsset.Source.values:
        raise DomainError("Unknown source.", field="source")
    kind = _kind_of(upload)
    allowed = PHOTO_VIEWS if kind == MediaAsset.Kind.PHOTO else VIDEO_VIEWS
    if view not in allowed:
        what = "photo" if kind == MediaAsset.Kind.PHOTO else "video"
        raise DomainError(f"“{view}” is not a {what} view of the standard set.", code="invalid_view", field="view")
    asset = MediaAsset(
        patient_id=evaluation.patient_id,
        evaluation=evaluation,
        kind=kind,
        view=view,
        source=source,
        uploaded_by=actor,
    )
    if kind == MediaAsset.Kind.PHOTO:
        photo = clean_photo(upload)
        asset.content_type = photo.content_type
        asset.size_bytes = len(photo.data)
        asset.sha256 = photo.sha256
        asset.width, asset.height = photo.width, photo.height
        storage.save_bytes(asset.file, f"photo{photo.extension}", photo.data)
        storage.save_bytes(asset.preview, "preview.jpg", _preview_jpeg(photo.rgb))
    else:
        checked = check_video(upload)
        try:
            digest = hashlib.sha256()
            with open(checked.path, "rb") as handle:
                for block in iter(lambda: handle.read(1024 * 1024), b""):
                    digest.update(block)
                size = handle.tell()
                handle.seek(0)
                asset.file.save(f"original{checked.extension}", File(handle), save=False)
            asset.content_type = checked.content_type
            asset.size_bytes = size
            asset.sha256 = digest.hexdigest()
            asset.width, asset.height = checked.width, checked.height
            asset.fps, asset.frame_count, asset.duration_s = checked.fps, checked.frame_count, checked.duration_s
            asset.state = MediaAsset.State.PREPARING
            storage.save_bytes(asset.preview, "preview.jpg", _preview_jpeg(checked.middle_frame))
        finally:
            os.unlink(checked.path)
    now = timezone.now()
    previous = list(
        MediaAsset.objects.select_for_update().filter(
            evaluation=evaluation, kind=kind, view=view, replaced_at__isnull=True
        )
    )
    for old in previous:
        old.replaced_at = now
        old.save(update_fields=["replaced_at"])
    try:
        asset.save()
    except Exception:
        storage.delete_quietly(asset.file)
        storage.delete_quietly(asset.preview)
        raise
    audit_record(
        actor=actor,
        action="media.upload",
        obj=asset,
        clinic=evaluation.patient.clinic,
        extra={"kind": kind, "view": view, "source": source, "bytes": asset.size_bytes, "replaced": len(previous)},
    )
    if kind == MediaAsset.Kind.VIDEO:
        from patients.media.tasks import prepare_video

        prepare_video.delay_on_commit(asset.pk)
    return asset


def _preview_jpeg(rgb) -> bytes:
    import cv2

    from signal_core.face.overlay import encode_jpeg

    longest = max(rgb.shape[:2])
    if longest > 640:
        factor = 640 / longest
        rgb = cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return encode_jpeg(rgb, quality=82)


def video_prepare(*, asset_id: int) -> MediaAsset:
    """Re-encode an uploaded video as WebM (VP8) without its metadata or sound, upright, no larger
    than 1280 px; the original file is deleted. Idempotent."""
    import tempfile

    import cv2

    asset = MediaAsset.objects.get(pk=asset_id)
    if asset.kind != MediaAsset.Kind.VIDEO or asset.state != MediaAsset.State.PREPARING:
        return asset
    handle, out_path = tempfile.mkstemp(suffix=".webm", prefix="retrain-video-")
    os.close(handle)
    try:
        with storage.local_copy(asset.file) as source:
            capture = cv2.VideoCapture(source)
            fps = capture.get(cv2.CAP_PROP_FPS) or asset.fps or 30.0
            writer = None
            frames = 0
            while True:
                ok, frame = capture.read()
                if not ok:
                    break
                longest = max(frame.shape[:2])
                if longest > VIDEO_PLAYBACK_SIDE:
                    factor = VIDEO_PLAYBACK_SIDE / longest
                    frame = cv2.resize(frame, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
                if writer is None:
                    size = (frame.shape[1] // 2 * 2, frame.shape[0] // 2 * 2)
                    writer = cv2.VideoWriter(out_path, cv2.VideoWriter_fourcc(*"VP80"), fps, size)
                writer.write(frame[: size[1], : size[0]])
                frames += 1
            capture.release()
            if writer is not None:
                writer.release()
        if frames == 0:
            raise ValueError("no frames could be decoded")
        with open(out_path, "rb") as handle_in:
            data = handle_in.read()
    except Exception as exc:  # noqa: BLE001 - reported on the page, the upload is kept
        logger.exception("video preparation failed", extra={"asset": asset.pk})
        MediaAsset.objects.filter(pk=asset.pk).update(
            state=MediaAsset.State.FAILED, state_message=f"The video could not be re-encoded ({exc})."[:300]
        )
        asset.refresh_from_db()
        return asset
    finally:
        os.unlink(out_path)
    with transaction.atomic():
        asset = MediaAsset.objects.select_for_update().get(pk=asset_id)
        if asset.state != MediaAsset.State.PREPARING:
            return asset
        original = asset.file.name
        storage.save_bytes(asset.file, "video.webm", data)
        asset.content_type = "video/webm"
        asset.size_bytes = len(data)
        asset.sha256 = hashlib.sha256(data).hexdigest()
        asset.frame_count = frames
        asset.fps = float(fps)
        asset.duration_s = frames / float(fps) if fps else asset.duration_s
        asset.state = MediaAsset.State.READY
        asset.save()
        asset.file.storage.delete(original)
        audit_record(
            actor=None,
            action="media.video_prepared",
            obj=asset,
            clinic=asset.patient.clinic,
            extra={"frames": frames, "bytes": len(data)},
        )
    return asset


@transaction.atomic
def grading_start(*, actor: User, evaluation: Evaluation) -> GradingRun:
    """Queue a grading of the evaluation's current photos and videos; an unfinished run is reused.
    A signed evaluation can be graded again (its suggestions then need an amendment reason)."""
    _require_photography_consent(evaluation.patient)
    active = GradingRun.objects.filter(
        evaluation=evaluation, status__in=[GradingRun.Status.QUEUED, GradingRun.Status.RUNNING]
    ).first()
    if active is not None:
        return active
    assets = list(
        MediaAsset.objects.filter(evaluation=evaluation, replaced_at__isnull=True).exclude(
            state=MediaAsset.State.FAILED
        )
    )
    if not assets:
        raise DomainError("Add at least one photo or video before grading.", code="nothing_to_grade")
    patient = evaluation.patient
    run = GradingRun.objects.create(
        patient=patient,
        evaluation=evaluation,
        requested_by=actor,
        method_version=METHOD_VERSION,
        healthy_side=patient.healthy_side or "",
        stage="Waiting for a worker",
    )
    order = {view: i for i, view in enumerate(MediaView.values)}
    assets.sort(key=lambda a: (a.kind != MediaAsset.Kind.PHOTO, order.get(a.view, 99)))
    AssetGrading.objects.bulk_create([AssetGrading(run=run, asset=asset) for asset in assets])
    audit_record(
        actor=actor,
        action="grading.start",
        obj=run,
        clinic=patient.clinic,
        extra={"assets": len(assets), "healthy_side": run.healthy_side or "bilateral"},
    )
    from patients.media.tasks import grade_run

    grade_run.delay_on_commit(run.pk)
    return run


@transaction.atomic
def grading_accept(
    *, actor: User, run: GradingRun, values: dict[str, float], reason: str = ""
) -> list[GradingSuggestion]:
    """Record the therapist's values for suggested items (accepting the suggestion or changing it;
    both are kept) and write them into the evaluation's scales, marked as coming from this grading.
    On a signed evaluation this is an amendment and ``reason`` is required."""
    from patients.scales import get_scale

    run = GradingRun.objects.select_for_update().select_related("evaluation", "patient").get(pk=run.pk)
    if run.status != GradingRun.Status.DONE:
        raise DomainError("The grading has not finished yet.", code="not_finished")
    suggestions = {f"{s.scale}.{s.item}": s for s in run.suggestions.all()}
    if not values:
        raise DomainError("Choose at least one item to accept.", field="items")
    unknown = sorted(set(values) - set(suggestions))
    if unknown:
        raise DomainError(f"Not suggested by this grading: {', '.join(unknown)}.", field="items")
    cleaned: dict[str, float] = {}
    for key, raw in values.items():
        suggestion = suggestions[key]
        definition = get_scale(suggestion.scale).ITEMS_BY_CODE[suggestion.item]
        try:
            value = float(str(raw).strip().replace(",", "."))
        except (TypeError, ValueError):
            raise DomainError(f"{definition.label}: a number is needed.", field=key) from None
        low, high = definition.minimum, definition.maximum
        if not math.isfinite(value) or (low is not None and value < low) or (high is not None and value > high):
            raise DomainError(f"{definition.label}: {value:g} is outside {low:g}–{high:g}.", field=key)
        cleaned[key] = round(value, 2)
    now = timezone.now()
    for key, value in cleaned.items():
        suggestion = suggestions[key]
        suggestion.accepted_value = value
        suggestion.accepted_by = actor
        suggestion.accepted_at = now
        suggestion.save(update_fields=["accepted_value", "accepted_by", "accepted_at"])
    accepted = [suggestions[k] for k in cleaned]
    _write_into_evaluation(actor=actor, run=run, accepted=accepted, reason=reason)
    audit_record(
        actor=actor,
        action="grading.accept",
        obj=run,
        clinic=run.patient.clinic,
        extra={"items": sorted(cleaned), "changed": sorted(k for k in cleaned if suggestions[k].changed)},
    )
    return accepted


def _write_into_evaluation(*, actor: User, run: GradingRun, accepted: list[GradingSuggestion], reason: str) -> None:
    """Hand the accepted items to the evaluation's scales (the record area owns them), one call per
    scale, each item marked ``source="photo"`` with this grading as its reference."""
    from patients.evaluations.services import evaluation_set_scale_items

    by_scale: dict[str, dict[str, float]] = {}
    for suggestion in accepted:
        by_scale.setdefault(suggestion.scale, {})[suggestion.item] = suggestion.accepted_value
    for scale, items in by_scale.items():
        evaluation_set_scale_items(
            actor=actor,
            evaluation=run.evaluation,
            scale=scale,
            items=items,
            source="photo",
            source_ref=f"photo-grading:{run.pk}",
            reason=reason,
        )
