"""One grading run, step by step (called by the Celery task).

Each step commits on its own so the page polling the run sees the stage and percentage move, and
each photo's result is saved as soon as it is known. A photo that cannot be measured gets its stated
reason and the others go on; only an unexpected error stops the run, and then the run says so and
every uploaded file stays as it was.
"""

from __future__ import annotations

import io
import logging

import numpy as np
from django.db import transaction
from django.utils import timezone

from clinic.audit import audit_record
from clinic.celery import task_phase
from patients.media import storage
from patients.media.suggestions import suggest
from patients.models import AssetGrading, GradingRun, GradingSuggestion, MediaAsset, MediaView

logger = logging.getLogger(__name__)

SERIES_POINTS = 600  # stored time series are thinned to at most this many samples


def run_grading(run_id: int) -> None:
    run = _claim(run_id)
    if run is None:
        return
    try:
        _grade(run)
    except Exception:  # noqa: BLE001 - the run must end in a stated state, never stay "running"
        logger.exception("grading failed", extra={"run": run_id})
        GradingRun.objects.filter(pk=run_id).update(
            status=GradingRun.Status.FAILED,
            stage="Stopped",
            error="The grading stopped on an internal error. The photos and videos are kept; start the grading "
            "again, and tell support if it happens again.",
            finished_at=timezone.now(),
        )


def _claim(run_id: int) -> GradingRun | None:
    """Mark the run as running; None when it is already finished (a redelivered task)."""
    with transaction.atomic():
        run = GradingRun.objects.select_for_update().select_related("patient", "evaluation").filter(pk=run_id).first()
        if run is None or run.status in (GradingRun.Status.DONE, GradingRun.Status.FAILED):
            return None
        run.status = GradingRun.Status.RUNNING
        run.started_at = run.started_at or timezone.now()
        run.stage = "Starting"
        run.save(update_fields=["status", "started_at", "stage"])
    return run


def _progress(run: GradingRun, stage: str, fraction: float) -> None:
    percent = int(max(0, min(99, round(fraction * 100))))
    GradingRun.objects.filter(pk=run.pk).update(stage=stage[:160], progress=percent)
    task_phase(stage, run)


def _label(view: str) -> str:
    return MediaView(view).label if view in MediaView.values else view


def _grade(run: GradingRun) -> None:
    from signal_core.face.overlay import draw_overlay, encode_jpeg
    from signal_core.face.pipeline import analyse_photo, measure_set

    results = list(run.results.select_related("asset"))
    photos = [r for r in results if r.asset.kind == MediaAsset.Kind.PHOTO]
    videos = [r for r in results if r.asset.kind == MediaAsset.Kind.VIDEO]
    weights = {r.pk: 1.0 for r in photos}
    weights.update({r.pk: max(1.0, (r.asset.frame_count or 60) / 60.0) for r in videos})
    total = sum(weights.values()) + 0.5
    done = 0.0

    analyses = {}
    by_view: dict[str, AssetGrading] = {}
    for result in photos:
        view = result.asset.view
        _progress(run, f"Finding the landmarks: {_label(view).lower()}", done / total)
        try:
            rgb = storage.load_rgb(result.asset.file)
        except Exception as exc:  # noqa: BLE001 - a damaged stored file is that photo's failure only
            _save_failure(result, "corrupt", f"The stored photo could not be read ({exc}).")
            done += weights[result.pk]
            continue
        analysis = analyse_photo(rgb)
        if analysis.usable:
            overlay = encode_jpeg(draw_overlay(rgb, analysis.landmarks))
            _replace_file(result, "overlay", "overlay.jpg", overlay)
        analyses[view] = analysis
        by_view[view] = result
        done += weights[result.pk]
        del rgb

    _progress(run, "Calibrating the set and measuring", done / total)
    measurements = measure_set(analyses)
    measures_by_view: dict[str, dict] = {}
    from signal_core.face.pipeline import asymmetry

    healthy = run.healthy_side or None
    for view, measurement in measurements.items():
        result, analysis = by_view[view], analyses[view]
        if measurement.failure is not None:
            _save_failure(
                result,
                measurement.failure.code,
                measurement.failure.message,
                quality=analysis.quality.as_dict() if analysis.quality else {},
                warnings=[w.as_dict() for w in analysis.warnings],
            )
            continue
        measures = dict(measurement.measures)
        measures["asymmetry"] = asymmetry(measurement.measures, healthy)
        measures_by_view[view] = measurement.measures
        with transaction.atomic():
            AssetGrading.objects.filter(pk=result.pk).update(
                status=AssetGrading.Status.MEASURED,
                failure_code="",
                failure_message="",
                warnings=[w.as_dict() for w in analysis.warnings],
                quality={**analysis.quality.as_dict(), "refinement": analysis.refinement},
                scale_method=measurement.scale_method,
                mm_per_px=measurement.mm_per_px,
                measures=measures,
                landmarks=np.round(analysis.landmarks, 2).tolist(),
                finished_at=timezone.now(),
            )

    reference = None
    rest = analyses.get("rest")
    rest_measured = measurements.get("rest")
    if rest is not None and rest_measured is not None and rest_measured.failure is None:
        reference = (rest_measured.mm_per_px, rest.landmarks)
    calibration = {}
    if rest_measured is not None and rest_measured.failure is None:
        calibration = {
            "view": "rest",
            "mm_per_px": round(rest_measured.mm_per_px, 5),
            "iris_px": round(rest.quality.iris_px, 2),
        }

    for result in videos:
        _grade_video(run, result, reference, done, total, weights[result.pk])
        done += weights[result.pk]

    _progress(run, "Suggesting scale items", done / total)
    suggestions, notes = suggest(measures_by_view, healthy)
    with transaction.atomic():
        # A message redelivered while the first delivery still ran (a visibility timeout shorter than
        # the grading) may grade the run twice at once; only the first to get here finishes it.
        current = GradingRun.objects.select_for_update().only("status").get(pk=run.pk)
        if current.status == GradingRun.Status.DONE:
            return
        run.suggestions.all().delete()
        GradingSuggestion.objects.bulk_create(
            [
                GradingSuggestion(run=run, scale=s.scale, item=s.item, suggested_value=s.value, basis=s.basis)
                for s in suggestions
            ]
        )
        missing = [label for view, label in MediaView.choices[:8] if view not in analyses]
        if missing and photos:
            notes.insert(0, "Not in this set: " + ", ".join(label.lower() for label in missing) + ".")
        GradingRun.objects.filter(pk=run.pk).update(
            status=GradingRun.Status.DONE,
            stage="Finished",
            progress=100,
            finished_at=timezone.now(),
            calibration=calibration,
            notes=notes,
        )
        measured = sum(1 for m in measurements.values() if m.failure is None)
        audit_record(
            actor=None,
            action="grading.finish",
            obj=run,
            clinic=run.patient.clinic,
            extra={"photos": len(photos), "measured": measured, "videos": len(videos), "suggestions": len(suggestions)},
        )


def _replace_file(result: AssetGrading, field_name: str, name: str, data: bytes) -> None:
    field = getattr(result, field_name)
    old = field.name
    storage.save_bytes(field, name, data)
    AssetGrading.objects.filter(pk=result.pk).update(**{field_name: field.name})
    if old:
        field.storage.delete(old)


def _save_failure(result: AssetGrading, code: str, message: str, *, quality=None, warnings=None) -> None:
    AssetGrading.objects.filter(pk=result.pk).update(
        status=AssetGrading.Status.FAILED,
        failure_code=code,
        failure_message=message[:400],
        quality=quality or {},
        warnings=warnings or [],
        measures={},
        finished_at=timezone.now(),
    )


def _thin(times: np.ndarray, limit: int) -> np.ndarray:
    if times.size <= limit:
        return np.arange(times.size)
    return np.unique(np.linspace(0, times.size - 1, limit).round().astype(int))


def _plain(values: np.ndarray) -> list:
    return [None if not np.isfinite(v) else round(float(v), 2) for v in values]


def _grade_video(run, result: AssetGrading, reference, done: float, total: float, weight: float) -> None:
    from patients.media.services import video_prepare
    from signal_core.face.landmarks import video_landmarks
    from signal_core.face.video import analyse_landmarks

    asset = result.asset
    label = _label(asset.view).lower()
    if asset.state == MediaAsset.State.PREPARING:
        _progress(run, f"Preparing the video: {label}", done / total)
        asset = video_prepare(asset_id=asset.pk)
    if asset.state != MediaAsset.State.READY:
        _save_failure(result, "corrupt", asset.state_message or "The video could not be prepared.")
        return
    frames = asset.frame_count or 1

    def on_frames(count: int) -> None:
        _progress(
            run,
            f"Following the face in the video ({label}): frame {count} of {frames}",
            (done + weight * min(count / frames, 1.0)) / total,
        )

    try:
        with storage.local_copy(asset.file) as path:
            tracked = video_landmarks(path, progress=on_frames)
        analysis = analyse_landmarks(tracked.landmarks, tracked.times, tracked.found, reference=reference)
    except ValueError as exc:
        code = "no_face" if "face" in str(exc) else "no_calibration" if "calibrate" in str(exc) else "corrupt"
        _save_failure(result, code, f"The video cannot be measured: {exc}.")
        return
    buffer = io.BytesIO()
    np.savez_compressed(buffer, landmarks=tracked.landmarks.astype(np.float32), times=tracked.times)
    _replace_file(result, "landmarks_file", "landmarks.npz", buffer.getvalue())
    keep = _thin(analysis.times, SERIES_POINTS)
    series = {
        name: {"right": _plain(values[keep, 0]), "left": _plain(values[keep, 1])}
        for name, values in analysis.series.items()
    }
    baseline = {name: {"right": _plain(v[:1])[0], "left": _plain(v[1:])[0]} for name, v in analysis.baseline.items()}
    found_share = float(analysis.found.mean())
    warnings = []
    if found_share < 0.9:
        warnings.append(
            {
                "code": "face_lost",
                "message": f"The face was followed in {found_share:.0%} of the frames only.",
                "severity": "warning",
            }
        )
    video = {
        "times": [round(float(t), 3) for t in analysis.times[keep]],
        "series": series,
        "baseline": baseline,
        "episodes": [e.as_dict() for e in analysis.episodes],
        "peaks": analysis.peaks,
        "synkinesis": analysis.synkinesis,
        "scale_method": analysis.scale_method,
        "frames": int(analysis.times.size),
        "found_share": round(found_share, 3),
        "notes": analysis.notes,
    }
    AssetGrading.objects.filter(pk=result.pk).update(
        status=AssetGrading.Status.MEASURED,
        failure_code="",
        failure_message="",
        warnings=warnings,
        scale_method=analysis.scale_method,
        mm_per_px=float(np.nanmedian(analysis.mm_per_px)),
        video=video,
        finished_at=timezone.now(),
    )
