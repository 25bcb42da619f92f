"""What the photo record adds to other areas' pages (see docs/extension-points.md):
timeline entries, progress series over visits, and FHIR Media resources."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from patients.media import selectors
from patients.models import GradingRun, MediaAsset, Patient


def timeline_entries(patient: Patient) -> list[dict]:
    entries = []
    runs = GradingRun.objects.filter(patient=patient).select_related("evaluation").prefetch_related("suggestions")
    for run in runs:
        url = reverse("patients:media-set", args=[patient.pk, run.evaluation_id]) + "#grading"
        if run.status == GradingRun.Status.DONE:
            suggestions = list(run.suggestions.all())
            accepted = [s for s in suggestions if s.accepted_at is not None]
            measured = run.results.filter(status="measured").count()
            entries.append(
                {
                    "at": run.finished_at,
                    "kind": "photo_grading",
                    "title": "Photo set graded",
                    "detail": f"{measured} photo{'s' if measured != 1 else ''} or videos measured, "
                    f"{len(suggestions)} items suggested",
                    "url": url,
                }
            )
            if accepted:
                last = max(s.accepted_at for s in accepted)
                changed = sum(1 for s in accepted if s.changed)
                entries.append(
                    {
                        "at": last,
                        "kind": "photo_grading_accepted",
                        "title": "Photo-graded items accepted",
                        "detail": f"{len(accepted)} accepted into the evaluation"
                        + (f", {changed} changed from the suggestion" if changed else ""),
                        "url": url,
                    }
                )
        elif run.status == GradingRun.Status.FAILED:
            entries.append(
                {"at": run.finished_at or run.created_at, "kind": "photo_grading", "title": "Photo grading failed",
                 "detail": run.error[:160], "url": url}
            )  # fmt: skip
    return entries


def _value(run: GradingRun, view: str, side: str, name: str) -> float | None:
    for result in run.results.all():
        if result.asset.view == view and result.asset.kind == MediaAsset.Kind.PHOTO and result.measures:
            return (result.measures.get(side) or {}).get(name)
    return None


def progress_series(patient: Patient) -> list[dict]:
    """Photo measures over visits: brow height at rest (% of healthy), commissure excursion gain with a
    large smile (% of healthy), ocular synkinesis (eFACE-style, from the photos), facial asymmetry index."""
    runs = selectors.finished_runs(patient)
    healthy = patient.healthy_side
    affected = patient.affected_side if healthy else None
    brow, smile, synkinesis, asymmetry = [], [], [], []
    for run in runs:
        day = run.evaluation.performed_on
        if healthy:
            a, h = _value(run, "rest", affected, "brow_height"), _value(run, "rest", healthy, "brow_height")
            if a is not None and h:
                brow.append({"date": day, "value": round(a / h * 100, 1)})
            gains = {}
            for side in (affected, healthy):
                big, rest = (
                    _value(run, "large_smile", side, "commissure_excursion"),
                    _value(run, "rest", side, "commissure_excursion"),
                )
                gains[side] = None if big is None or rest is None else big - rest
            if gains[affected] is not None and gains[healthy] and gains[healthy] >= 1.0:
                smile.append({"date": day, "value": round(gains[affected] / gains[healthy] * 100, 1)})
            for s in run.suggestions.all():
                if s.scale == "eface" and s.item == "ocular_synkinesis":
                    value = s.accepted_value if s.accepted_value is not None else s.suggested_value
                    synkinesis.append({"date": day, "value": value})
        for result in run.results.all():
            if result.asset.view == "rest" and result.measures:
                value = (result.measures.get("bilateral") or {}).get("facial_asymmetry_index")
                if value is not None:
                    asymmetry.append({"date": day, "value": round(value, 2)})
    series = []
    if brow:
        series.append(
            {"key": "photo.brow_rest_pct", "label": "Brow height at rest, % of healthy side", "unit": "%",
             "group": "Photos", "points": brow, "higher_is_better": True}
        )  # fmt: skip
    if smile:
        series.append(
            {"key": "photo.smile_excursion_pct", "label": "Mouth corner excursion in a big smile, % of healthy side",
             "unit": "%", "group": "Photos", "points": smile, "higher_is_better": True}
        )  # fmt: skip
    if synkinesis:
        series.append(
            {"key": "photo.ocular_synkinesis", "label": "Ocular synkinesis (eFACE, 100 = none)", "unit": "",
             "group": "Photos", "points": synkinesis, "higher_is_better": True}
        )  # fmt: skip
    if asymmetry:
        series.append(
            {"key": "photo.facial_asymmetry_index", "label": "Facial asymmetry index at rest", "unit": "mm",
             "group": "Photos", "points": asymmetry, "higher_is_better": False}
        )  # fmt: skip
    return series


def fhir_media(patient: Patient, context) -> list:
    """One R4B Media resource per current photo and video of the signed evaluations (or of
    ``context.evaluation`` only, when one evaluation is exported, draft or not). The content is
    referenced by its access-checked API URL, which a client must authenticate to fetch; the file
    itself is never embedded."""
    from fhir.resources.R4B.media import Media

    assets = MediaAsset.objects.filter(patient=patient, replaced_at__isnull=True).select_related(
        "evaluation", "uploaded_by"
    )
    if getattr(context, "evaluation", None) is not None:
        assets = assets.filter(evaluation=context.evaluation)
    else:
        # Like the record's own export: the signed evaluations; drafts are work in progress.
        assets = assets.filter(evaluation__status="completed")
    # The standard expressions have no SNOMED or LOINC codes; they are coded in a system of our own.
    view_system = f"{context.canonical_base}/CodeSystem/facial-expression-view"
    resources = []
    for asset in assets.order_by("evaluation__performed_on", "kind", "view"):
        resource = {
            "id": context.resource_id("Media", asset.pk),
            "status": "completed",
            "type": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/media-type",
                        "code": "image" if asset.kind == MediaAsset.Kind.PHOTO else "video",
                    }
                ]
            },
            "view": {
                "coding": [{"system": view_system, "code": asset.view, "display": asset.get_view_display()}],
                "text": asset.get_view_display(),
            },
            "subject": {"reference": context.patient_ref},
            "encounter": {"reference": context.encounter_ref(asset.evaluation)},
            "operator": {"reference": context.practitioner_ref(asset.uploaded_by)},
            "createdDateTime": asset.uploaded_at.isoformat(),
            "width": asset.width,
            "height": asset.height,
            "content": {
                "contentType": asset.content_type,
                "url": settings.SITE_URL + reverse("api-media-content", args=[asset.pk]),
                "size": asset.size_bytes,
                "title": f"{asset.get_view_display()} ({asset.evaluation.performed_on:%Y-%m-%d})",
                "creation": asset.uploaded_at.isoformat(),
            },
        }
        if asset.kind == MediaAsset.Kind.VIDEO:
            if asset.duration_s:
                resource["duration"] = round(asset.duration_s, 2)
            if asset.frame_count:
                resource["frames"] = asset.frame_count
        resources.append(Media.model_validate(resource))
    return resources
