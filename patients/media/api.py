"""REST API of the photo record (under /api/v1/). Thin: access helpers, services, selectors."""

from __future__ import annotations

import json

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import renderers, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from clinic.audit import audit_record
from patients.media import access, selectors, services
from patients.media.storage import file_response
from patients.models import AssetGrading, GradingRun, GradingSuggestion, MediaAsset, MediaView


def content_url(asset: MediaAsset, variant: str = "original") -> str:
    return reverse("api-media-content", args=[asset.pk]) + f"?variant={variant}"


def overlay_url(result: AssetGrading) -> str:
    return reverse("api-media-overlay", args=[result.pk]) if result.overlay else ""


class MediaAssetOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    preview_url = serializers.SerializerMethodField()

    class Meta:
        model = MediaAsset
        fields = [
            "id",
            "evaluation",
            "kind",
            "view",
            "state",
            "state_message",
            "content_type",
            "size_bytes",
            "sha256",
            "width",
            "height",
            "duration_s",
            "fps",
            "frame_count",
            "source",
            "uploaded_at",
            "replaced_at",
            "url",
            "preview_url",
        ]

    def get_url(self, asset) -> str:
        return content_url(asset)

    def get_preview_url(self, asset) -> str:
        return content_url(asset, "preview") if asset.preview else ""


class AssetResultOutput(serializers.ModelSerializer):
    asset = MediaAssetOutput()
    overlay_url = serializers.SerializerMethodField()

    class Meta:
        model = AssetGrading
        fields = [
            "id",
            "asset",
            "status",
            "failure_code",
            "failure_message",
            "warnings",
            "quality",
            "scale_method",
            "mm_per_px",
            "measures",
            "video",
            "overlay_url",
            "finished_at",
        ]

    def get_overlay_url(self, result) -> str:
        return overlay_url(result)


class SuggestionOutput(serializers.ModelSerializer):
    key = serializers.SerializerMethodField()
    label = serializers.SerializerMethodField()
    changed = serializers.BooleanField(read_only=True)
    accepted_by = serializers.SlugRelatedField(read_only=True, slug_field="username")

    class Meta:
        model = GradingSuggestion
        fields = [
            "key",
            "scale",
            "item",
            "label",
            "suggested_value",
            "basis",
            "accepted_value",
            "accepted_by",
            "accepted_at",
            "changed",
        ]

    def get_key(self, s) -> str:
        return f"{s.scale}.{s.item}"

    def get_label(self, s) -> str:
        return selectors.suggestion_label(s)


class RunStatusOutput(serializers.ModelSerializer):
    assets = serializers.SerializerMethodField()

    class Meta:
        model = GradingRun
        fields = [
            "id",
            "evaluation",
            "status",
            "stage",
            "progress",
            "created_at",
            "started_at",
            "finished_at",
            "error",
            "assets",
        ]

    @extend_schema_field(
        inline_serializer(
            "GradingAssetStatus",
            fields={
                "id": serializers.IntegerField(),
                "view": serializers.CharField(),
                "kind": serializers.CharField(),
                "status": serializers.CharField(),
                "failure_code": serializers.CharField(),
                "failure_message": serializers.CharField(),
            },
            many=True,
        )
    )
    def get_assets(self, run) -> list[dict]:
        return [
            {
                "id": r.pk,
                "view": r.asset.view,
                "kind": r.asset.kind,
                "status": r.status,
                "failure_code": r.failure_code,
                "failure_message": r.failure_message,
            }
            for r in run.results.all()
        ]


class RunOutput(serializers.ModelSerializer):
    results = AssetResultOutput(many=True)
    suggestions = SuggestionOutput(many=True)
    requested_by = serializers.SlugRelatedField(read_only=True, slug_field="username")

    class Meta:
        model = GradingRun
        fields = [
            "id",
            "evaluation",
            "patient",
            "status",
            "stage",
            "progress",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "error",
            "method_version",
            "healthy_side",
            "calibration",
            "notes",
            "results",
            "suggestions",
        ]


class EvaluationMediaApi(GenericAPIView):
    serializer_class = MediaAssetOutput
    parser_classes = [MultiPartParser, FormParser]

    class UploadInput(serializers.Serializer):
        file = serializers.FileField()
        view = serializers.ChoiceField(choices=MediaView.choices)
        source = serializers.ChoiceField(choices=MediaAsset.Source.choices, default=MediaAsset.Source.UPLOAD)

    @extend_schema(responses=MediaAssetOutput(many=True), summary="Current photos and videos of an evaluation")
    def get(self, request, evaluation_id: int):
        evaluation = access.access_evaluation(request.user, evaluation_id, action="media.list")
        assets = selectors.current_assets(evaluation).order_by("kind", "view")
        page = self.paginate_queryset(assets)
        return self.get_paginated_response(MediaAssetOutput(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": UploadInput},
        responses={201: MediaAssetOutput},
        summary="Upload one photo or video of an expression (content is validated; metadata is stripped)",
    )
    def post(self, request, evaluation_id: int):
        evaluation = access.access_evaluation(request.user, evaluation_id, action="media.upload", audit_read=False)
        data = self.UploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        asset = services.media_upload(
            actor=request.user,
            evaluation=evaluation,
            view=data.validated_data["view"],
            upload=data.validated_data["file"],
            source=data.validated_data["source"],
        )
        return Response(MediaAssetOutput(asset).data, status=201)


class EvaluationGradingsApi(GenericAPIView):
    serializer_class = RunStatusOutput

    @extend_schema(responses=RunStatusOutput(many=True), summary="Gradings of an evaluation, newest first")
    def get(self, request, evaluation_id: int):
        evaluation = access.access_evaluation(request.user, evaluation_id, action="grading.list")
        runs = evaluation.grading_runs.prefetch_related("results__asset").order_by("-created_at", "-id")
        page = self.paginate_queryset(runs)
        return self.get_paginated_response(RunStatusOutput(page, many=True).data)

    @extend_schema(request=None, responses={202: RunStatusOutput}, summary="Grade the current photos and videos")
    def post(self, request, evaluation_id: int):
        evaluation = access.access_evaluation(request.user, evaluation_id, action="grading.start", audit_read=False)
        run = services.grading_start(actor=request.user, evaluation=evaluation)
        run.refresh_from_db()
        return Response(RunStatusOutput(run).data, status=202)


class GradingStatusApi(GenericAPIView):
    """Polled while a grading runs: stage and progress only, no measures or images, so polls are
    not written to the audit log (refusals are)."""

    serializer_class = RunStatusOutput

    @extend_schema(responses=RunStatusOutput, summary="Progress of a grading (for polling)")
    def get(self, request, run_id: int):
        run = access.access_run(request.user, run_id, action="grading.status", audit_read=False)
        run = GradingRun.objects.prefetch_related("results__asset").get(pk=run.pk)
        return Response(RunStatusOutput(run).data)


class GradingDetailApi(GenericAPIView):
    serializer_class = RunOutput

    @extend_schema(responses=RunOutput, summary="A grading with every measure, stated failure and suggestion")
    def get(self, request, run_id: int):
        run = access.access_run(request.user, run_id, action="grading.view")
        return Response(RunOutput(selectors.run_with_results(run.pk)).data)


class GradingAcceptApi(GenericAPIView):
    serializer_class = SuggestionOutput

    class AcceptInput(serializers.Serializer):
        items = serializers.DictField(
            child=serializers.FloatField(),
            help_text='{"eface.brow_rest": 82, "house_brackmann.grade": 3}: the suggested value to accept it, '
            "another value to change it (both are kept).",
        )
        reason = serializers.CharField(required=False, allow_blank=True, max_length=500)

    @extend_schema(
        request=AcceptInput, responses=SuggestionOutput(many=True), summary="Accept or change suggested items"
    )
    def post(self, request, run_id: int):
        run = access.access_run(request.user, run_id, action="grading.accept", audit_read=False)
        data = self.AcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        accepted = services.grading_accept(
            actor=request.user,
            run=run,
            values=data.validated_data["items"],
            reason=data.validated_data.get("reason", ""),
        )
        return Response(SuggestionOutput(accepted, many=True).data)


class MediaDetailApi(GenericAPIView):
    serializer_class = MediaAssetOutput

    @extend_schema(responses=MediaAssetOutput, summary="One photo or video (metadata)")
    def get(self, request, asset_id: int):
        return Response(MediaAssetOutput(access.access_asset(request.user, asset_id)).data)


class PassthroughRenderer(renderers.BaseRenderer):
    """Files go out as they are; error bodies (dicts) as JSON."""

    media_type = "*/*"
    format = "bin"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes | bytearray):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"  # an error body says what it is
        return json.dumps(data).encode()


class MediaContentApi(GenericAPIView):
    renderer_classes = [PassthroughRenderer]

    @extend_schema(
        parameters=[OpenApiParameter("variant", str, enum=["original", "preview"], default="original")],
        responses={(200, "*/*"): OpenApiTypes.BINARY},
        summary="The file of a photo or video (access-checked and audited; never cached)",
    )
    def get(self, request, asset_id: int):
        variant = request.query_params.get("variant", "original")
        if variant not in ("original", "preview"):
            variant = "original"
        asset = access.access_asset(request.user, asset_id, action="media.download", audit_read=False)
        field = asset.file if variant == "original" else asset.preview
        if not field:
            field, variant = asset.file, "original"
        audit_record(actor=request.user, action="media.download", obj=asset, extra={"variant": variant})
        content_type = asset.content_type if variant == "original" else "image/jpeg"
        return file_response(field, content_type, range_header=request.headers.get("Range", ""))


class OverlayContentApi(GenericAPIView):
    renderer_classes = [PassthroughRenderer]

    @extend_schema(
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY}, summary="The annotated overlay of a graded photo"
    )
    def get(self, request, result_id: int):
        result = AssetGrading.objects.select_related("asset").filter(pk=result_id).first()
        asset_id = result.asset_id if result is not None else f"result-{result_id}"
        asset = access.access_asset(request.user, asset_id, action="media.download", audit_read=False)
        if result is None or not result.overlay:
            from patients.access import deny

            raise deny(request.user, action="media.download", object_type="overlay", object_id=result_id)
        audit_record(actor=request.user, action="media.download", obj=asset, extra={"variant": "overlay"})
        return file_response(result.overlay, "image/jpeg")
