"""Pages of the photo record: the patient's tab, an evaluation's set (upload, progress, overlays,
measures, suggestions, videos), the camera, and the before/after comparison."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinic.audit import audit_record
from clinic.decorators import therapist_required
from clinic.errors import DomainError
from patients.access import access_patient
from patients.media import access, plots, selectors, services
from patients.media.api import content_url, overlay_url
from patients.media.validation import photo_max_bytes, video_max_bytes
from patients.models import GradingRun, MediaAsset, MediaView
from patients.models.media import VIDEO_VIEWS
from signal_core.face.geometry import PER_SIDE_MEASURES


@therapist_required
def media_home(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="media.list")
    evaluations = list(selectors.evaluations_overview(patient))
    runs = selectors.latest_runs_by_evaluation(patient)
    rows = [{"evaluation": e, "run": runs.get(e.pk)} for e in evaluations]
    graded = [row["evaluation"] for row in rows if row["run"] and row["run"].status == GradingRun.Status.DONE]
    return render(
        request,
        "patients/media/home.html",
        {"patient": patient, "active_tab": "media", "rows": rows, "graded": graded},
    )


def _set_context(request, patient, evaluation, *, errors=None) -> dict:
    media = selectors.media_set(evaluation)
    run = media.run
    results = list(run.results.all()) if run else []
    for slot in media.slots:
        slot.preview_url = content_url(slot.asset, "preview") if slot.asset else ""
        slot.original_url = content_url(slot.asset) if slot.asset else ""
        slot.overlay_url = overlay_url(slot.result) if slot.result else ""
        slot.error = (errors or {}).get(f"photo_{slot.view}", "")
    measured = [
        {"result": r, "label": r.asset.get_view_display(), "rows": selectors.measure_rows(r)}
        for r in results
        if r.asset.kind == MediaAsset.Kind.PHOTO and r.status == r.Status.MEASURED
    ]
    videos = []
    for asset, result in media.videos:
        videos.append(
            {
                "asset": asset,
                "result": result,
                "url": content_url(asset),
                "plot": plots.video_plot(result.video, affected_side=patient.affected_side)
                if result and result.video
                else "",
                "peaks": _peak_rows(result.video) if result and result.video else [],
                "synkinesis": (result.video or {}).get("synkinesis", {}) if result else {},
            }
        )
    suggestions = []
    if run is not None:
        for s in run.suggestions.all():
            suggestions.append(
                {
                    "s": s,
                    "key": f"{s.scale}.{s.item}",
                    "label": selectors.suggestion_label(s),
                    "scale_label": s.get_scale_display(),
                    **selectors.suggestion_limits(s),
                }
            )
    return {
        "patient": patient,
        "evaluation": evaluation,
        "active_tab": "media",
        "media": media,
        "run": run,
        "measured": measured,
        "videos": videos,
        "suggestions": suggestions,
        "errors": errors or {},
        "video_views": [(v.value, v.label) for v in VIDEO_VIEWS],
        "photo_limit_mb": photo_max_bytes() // (1024 * 1024),
        "video_limit_mb": video_max_bytes() // (1024 * 1024),
        "status_url": reverse("api-grading-status", args=[run.pk]) if run else "",
        "locked": evaluation.is_locked,
    }


def _peak_rows(video: dict) -> list[dict]:
    rows = []
    for index, peak in enumerate(video.get("peaks", []), start=1):
        episode = peak["episode"]
        for name in ("commissure_excursion", "brow_height", "palpebral_fissure"):
            entry = peak["measures"].get(name) or {}
            rows.append(
                {
                    "episode": index,
                    "span": f"{episode['start']:.1f}–{episode['end']:.1f} s",
                    "label": PER_SIDE_MEASURES[name][0],
                    "right": (entry.get("right") or {}).get("change"),
                    "left": (entry.get("left") or {}).get("change"),
                }
            )
    return rows


@therapist_required
def media_set(request, patient_id: int, evaluation_id: int):
    if request.method == "POST":
        return _upload(request, patient_id, evaluation_id)
    evaluation = access.access_evaluation(request.user, evaluation_id, patient_id=patient_id, action="media.view")
    return render(request, "patients/media/set.html", _set_context(request, evaluation.patient, evaluation))


def _upload(request, patient_id: int, evaluation_id: int):
    evaluation = access.access_evaluation(
        request.user, evaluation_id, patient_id=patient_id, action="media.upload", audit_read=False
    )
    errors: dict[str, str] = {}
    stored = []
    for view in MediaView.values:
        upload = request.FILES.get(f"photo_{view}")
        if upload is None:
            continue
        try:
            stored.append(services.media_upload(actor=request.user, evaluation=evaluation, view=view, upload=upload))
        except DomainError as exc:
            errors[f"photo_{view}"] = exc.message
    video = request.FILES.get("video")
    if video is not None:
        try:
            stored.append(
                services.media_upload(
                    actor=request.user, evaluation=evaluation, view=request.POST.get("video_view", ""), upload=video
                )
            )
        except DomainError as exc:
            errors["video"] = exc.message
    if not stored and not errors:
        errors["form"] = "Choose at least one photo or video."
    if stored:
        messages.success(request, f"{len(stored)} file{'s' if len(stored) != 1 else ''} stored.")
        if request.POST.get("grade"):
            try:
                services.grading_start(actor=request.user, evaluation=evaluation)
            except DomainError as exc:
                errors["form"] = exc.message
    if errors:
        context = _set_context(request, evaluation.patient, evaluation, errors=errors)
        return render(request, "patients/media/set.html", context, status=400 if not stored else 200)
    return redirect(reverse("patients:media-set", args=[evaluation.patient_id, evaluation.pk]) + "#grading")


@therapist_required
@require_POST
def media_grade(request, patient_id: int, evaluation_id: int):
    evaluation = access.access_evaluation(
        request.user, evaluation_id, patient_id=patient_id, action="grading.start", audit_read=False
    )
    try:
        services.grading_start(actor=request.user, evaluation=evaluation)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("patients:media-set", args=[evaluation.patient_id, evaluation.pk]) + "#grading")


@therapist_required
@require_POST
def media_accept(request, patient_id: int, run_id: int):
    run = access.access_run(request.user, run_id, action="grading.accept", audit_read=False)
    if run.patient_id != int(patient_id):
        raise Http404
    values = {}
    for suggestion in run.suggestions.all():
        key = f"{suggestion.scale}.{suggestion.item}"
        if request.POST.get(f"accept:{key}"):
            values[key] = request.POST.get(f"value:{key}", "").strip()
    target = reverse("patients:media-set", args=[run.patient_id, run.evaluation_id]) + "#suggestions"
    try:
        accepted = services.grading_accept(
            actor=request.user, run=run, values=values, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(target)
    changed = sum(1 for s in accepted if s.changed)
    text = f"{len(accepted)} item{'s' if len(accepted) != 1 else ''} written into the evaluation"
    messages.success(request, text + (f" ({changed} changed from the suggestion)." if changed else "."))
    return redirect(target)


@therapist_required
def media_capture(request, patient_id: int, evaluation_id: int):
    evaluation = access.access_evaluation(request.user, evaluation_id, patient_id=patient_id, action="media.capture")
    current = {a.view for a in selectors.current_assets(evaluation) if a.kind == MediaAsset.Kind.PHOTO}
    steps = [
        {"view": view, "label": label, "instruction": selectors.VIEW_INSTRUCTIONS[view], "done": view in current}
        for view, label in selectors.photo_views()
    ]
    return render(
        request,
        "patients/media/capture.html",
        {
            "patient": evaluation.patient,
            "evaluation": evaluation,
            "active_tab": "media",
            "steps": steps,
            "capture_config": {
                "uploadUrl": reverse("api-evaluation-media", args=[evaluation.pk]),
                "gradeUrl": reverse("api-evaluation-gradings", args=[evaluation.pk]),
                "setUrl": reverse("patients:media-set", args=[evaluation.patient_id, evaluation.pk]),
                "steps": [{k: s[k] for k in ("view", "label", "instruction", "done")} for s in steps],
                "videoViews": [view for view, _ in selectors.video_views()],
            },
        },
    )


@therapist_required
def media_compare(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="media.compare")
    options = list(selectors.evaluations_overview(patient))
    chosen = []
    for key in ("a", "b"):
        value = request.GET.get(key)
        chosen.append(
            access.access_evaluation(
                request.user, value, patient_id=patient.pk, action="media.compare", audit_read=False
            )
            if value
            else None
        )
    before, after = chosen
    if before and after and (before.performed_on, before.pk) > (after.performed_on, after.pk):
        before, after = after, before
    runs = selectors.latest_runs_by_evaluation(patient)

    def finished(evaluation):
        run = runs.get(evaluation.pk) if evaluation else None
        return selectors.run_with_results(run.pk) if run and run.status == GradingRun.Status.DONE else None

    run_before, run_after = finished(before), finished(after)
    views = selectors.compare_runs(run_before, run_after) if before and after else []
    for view in views:
        view.before_url = overlay_url(view.before) if view.before else ""
        view.after_url = overlay_url(view.after) if view.after else ""
    if before and after:
        audit_record(
            actor=request.user,
            action="media.compare",
            obj=patient,
            extra={"evaluations": [before.pk, after.pk]},
        )
    return render(
        request,
        "patients/media/compare.html",
        {
            "patient": patient,
            "active_tab": "media",
            "options": options,
            "before": before,
            "after": after,
            "run_before": run_before,
            "run_after": run_after,
            "views": views,
        },
    )
