"""Reads of the photo record, shaped for the pages, the API and the other areas' hooks."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from patients.media.suggestions import item_label
from patients.models import AssetGrading, Evaluation, GradingRun, GradingSuggestion, MediaAsset, MediaView, Patient
from patients.models.media import OPTIONAL_PHOTO_VIEWS, PHOTO_VIEWS, VIDEO_VIEWS
from signal_core.face.geometry import BILATERAL_MEASURES, PER_SIDE_MEASURES

# Instructions for each expression (shown in the capture guide and next to empty slots).
VIEW_INSTRUCTIONS = {
    MediaView.REST: "Face relaxed, eyes open, looking straight at the camera.",
    MediaView.BROW_ELEVATION: "Raise the eyebrows as high as they go, as if surprised.",
    MediaView.GENTLE_EYE_CLOSURE: "Close the eyes gently, as in sleep.",
    MediaView.TIGHT_EYE_CLOSURE: "Squeeze the eyes shut as tightly as possible.",
    MediaView.SMALL_SMILE: "A small smile with the lips closed.",
    MediaView.LARGE_SMILE: "The biggest smile, showing the teeth.",
    MediaView.PUCKER: "Pucker the lips as if to kiss or whistle.",
    MediaView.LOWER_LIP: "Say “EEE” and pull the lower lip down to show the lower teeth.",
    MediaView.SNARL: "Wrinkle the nose and lift the upper lip, as at a bad smell.",
    MediaView.NASAL_BASE: "Head tilted back to show the base of the nose.",
    MediaView.SEQUENCE: "Start at rest, then each expression in turn with a rest between.",
    MediaView.SPEECH: "Read a sentence aloud at a natural pace.",
}


def current_assets(evaluation: Evaluation) -> QuerySet[MediaAsset]:
    return MediaAsset.objects.filter(evaluation=evaluation, replaced_at__isnull=True)


def latest_run(evaluation: Evaluation) -> GradingRun | None:
    return evaluation.grading_runs.order_by("-created_at", "-id").first()


def run_with_results(run_id: int) -> GradingRun:
    return (
        GradingRun.objects.select_related("evaluation", "patient")
        .prefetch_related(
            Prefetch("results", queryset=AssetGrading.objects.select_related("asset")),
            Prefetch("suggestions", queryset=GradingSuggestion.objects.select_related("accepted_by")),
        )
        .get(pk=run_id)
    )


@dataclass
class Slot:
    view: str
    label: str
    instruction: str
    optional: bool
    asset: MediaAsset | None = None
    result: AssetGrading | None = None


@dataclass
class MediaSet:
    evaluation: Evaluation
    slots: list[Slot]
    videos: list[tuple[MediaAsset, AssetGrading | None]]
    run: GradingRun | None
    earlier_runs: list[GradingRun] = field(default_factory=list)

    @property
    def photo_count(self) -> int:
        return sum(1 for s in self.slots if s.asset is not None)

    @property
    def meei_count(self) -> int:
        return sum(1 for s in self.slots if s.asset is not None and not s.optional)


def media_set(evaluation: Evaluation) -> MediaSet:
    assets = list(current_assets(evaluation))
    runs = list(evaluation.grading_runs.order_by("-created_at", "-id")[:10])
    run = run_with_results(runs[0].pk) if runs else None
    results = {r.asset_id: r for r in run.results.all()} if run else {}
    photos = {a.view: a for a in assets if a.kind == MediaAsset.Kind.PHOTO}
    slots = [
        Slot(
            view=view.value,
            label=view.label,
            instruction=VIEW_INSTRUCTIONS[view],
            optional=view in OPTIONAL_PHOTO_VIEWS,
            asset=photos.get(view.value),
            result=results.get(photos[view.value].pk) if view.value in photos else None,
        )
        for view in PHOTO_VIEWS
    ]
    videos = [(a, results.get(a.pk)) for a in assets if a.kind == MediaAsset.Kind.VIDEO]
    order = {v.value: i for i, v in enumerate(VIDEO_VIEWS)}
    videos.sort(key=lambda pair: order.get(pair[0].view, 99))
    return MediaSet(evaluation=evaluation, slots=slots, videos=videos, run=run, earlier_runs=runs[1:])


def evaluations_overview(patient: Patient) -> QuerySet[Evaluation]:
    return (
        Evaluation.objects.filter(patient=patient)
        .annotate(
            photo_count=Count(
                "media", filter=Q(media__kind=MediaAsset.Kind.PHOTO, media__replaced_at__isnull=True), distinct=True
            ),
            video_count=Count(
                "media", filter=Q(media__kind=MediaAsset.Kind.VIDEO, media__replaced_at__isnull=True), distinct=True
            ),
        )
        .order_by("-performed_on", "-id")
    )


def latest_runs_by_evaluation(patient: Patient) -> dict[int, GradingRun]:
    out: dict[int, GradingRun] = {}
    for run in GradingRun.objects.filter(patient=patient).order_by("evaluation_id", "-created_at", "-id"):
        out.setdefault(run.evaluation_id, run)
    return out


def finished_runs(patient: Patient) -> list[GradingRun]:
    """The latest finished grading of each evaluation, oldest visit first."""
    latest: dict[int, GradingRun] = {}
    runs = (
        GradingRun.objects.filter(patient=patient, status=GradingRun.Status.DONE)
        .select_related("evaluation")
        .prefetch_related(
            Prefetch("results", queryset=AssetGrading.objects.select_related("asset")),
            "suggestions",
        )
        .order_by("evaluation_id", "-created_at", "-id")
    )
    for run in runs:
        latest.setdefault(run.evaluation_id, run)
    return sorted(latest.values(), key=lambda r: (r.evaluation.performed_on, r.evaluation_id))


# --- Rows for the measures table ------------------------------------------------------------------


@dataclass
class MeasureRow:
    key: str
    label: str
    unit: str
    right: float | None
    left: float | None
    abs_diff: float | None = None
    pct_of_healthy: float | None = None


def measure_rows(result: AssetGrading) -> list[MeasureRow]:
    measures = result.measures or {}
    if not measures:
        return []
    asym = measures.get("asymmetry", {})
    rows = [
        MeasureRow(
            key=name,
            label=label,
            unit=unit,
            right=measures.get("right", {}).get(name),
            left=measures.get("left", {}).get(name),
            abs_diff=asym.get(name, {}).get("abs_diff"),
            pct_of_healthy=asym.get(name, {}).get("pct_of_healthy"),
        )
        for name, (label, unit) in PER_SIDE_MEASURES.items()
    ]
    for name, (label, unit) in BILATERAL_MEASURES.items():
        value = measures.get("bilateral", {}).get(name)
        rows.append(MeasureRow(key=name, label=label, unit=unit, right=None, left=None, abs_diff=value))
    return rows


def suggestion_label(suggestion: GradingSuggestion) -> str:
    return item_label(suggestion.scale, suggestion.item)


def suggestion_limits(suggestion: GradingSuggestion) -> dict:
    """min, max, step and unit of the item in its scale (for the value input)."""
    from patients.scales import get_scale

    definition = get_scale(suggestion.scale).ITEMS_BY_CODE[suggestion.item]
    return {"min": definition.minimum, "max": definition.maximum, "step": definition.step, "unit": definition.unit}


# --- Comparison of two visits -----------------------------------------------------------------------

COMPARED_MEASURES = (
    "brow_height",
    "palpebral_fissure",
    "mrd1",
    "commissure_excursion",
    "commissure_height",
    "smile_angle",
    "dental_show",
)


@dataclass
class ComparedView:
    view: str
    label: str
    before: AssetGrading | None
    after: AssetGrading | None
    rows: list[dict]


def compare_runs(before: GradingRun | None, after: GradingRun | None) -> list[ComparedView]:
    def by_view(run):
        if run is None:
            return {}
        return {r.asset.view: r for r in run.results.all() if r.asset.kind == MediaAsset.Kind.PHOTO}

    a, b = by_view(before), by_view(after)
    out = []
    for view in PHOTO_VIEWS:
        ra, rb = a.get(view.value), b.get(view.value)
        if ra is None and rb is None:
            continue
        rows = []
        for name in COMPARED_MEASURES:
            label, unit = PER_SIDE_MEASURES[name]
            row = {"key": name, "label": label, "unit": unit}
            for side in ("right", "left"):
                va = (ra.measures or {}).get(side, {}).get(name) if ra else None
                vb = (rb.measures or {}).get(side, {}).get(name) if rb else None
                row[side] = {
                    "before": va,
                    "after": vb,
                    "change": round(vb - va, 2) if va is not None and vb is not None else None,
                }
            for key in ("abs_diff", "pct_of_healthy"):
                va = (ra.measures or {}).get("asymmetry", {}).get(name, {}).get(key) if ra else None
                vb = (rb.measures or {}).get("asymmetry", {}).get(name, {}).get(key) if rb else None
                row[key] = {"before": va, "after": vb, "change": round(vb - va, 2) if None not in (va, vb) else None}
            row["cells"] = [row["right"], row["left"], row["abs_diff"], row["pct_of_healthy"]]
            rows.append(row)
        out.append(ComparedView(view=view.value, label=view.label, before=ra, after=rb, rows=rows))
    return out


def photo_views() -> list[tuple[str, str]]:
    return [(v.value, v.label) for v in PHOTO_VIEWS]


def video_views() -> list[tuple[str, str]]:
    return [(v.value, v.label) for v in VIDEO_VIEWS]
