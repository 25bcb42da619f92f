"""REST API of evaluations and scales."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from patients.access import access_evaluation, access_patient
from patients.api_common import ItemsField, raise_field_errors, require_therapist
from patients.evaluations import services
from patients.evaluations.presenters import compare
from patients.evaluations.services import ScaleItemsInvalid
from patients.models import Evaluation, EvaluationAmendment, EvaluationScale
from patients.scales import SCALES, ScaleError
from patients.selectors import evaluations_of


class ScaleEntryOutput(serializers.ModelSerializer):
    class Meta:
        model = EvaluationScale
        fields = ["scale", "items", "item_sources", "scores", "scoring_version", "updated_at"]


class AmendmentOutput(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username")

    class Meta:
        model = EvaluationAmendment
        fields = [
            "id",
            "section",
            "at",
            "by",
            "reason",
            "changes",
            "scores_before",
            "scores_after",
            "source",
            "source_ref",
        ]


class EvaluationOutput(serializers.ModelSerializer):
    patient_id = serializers.IntegerField()
    clinician = serializers.CharField(source="clinician.username")
    completed_by = serializers.CharField(source="completed_by.username", default=None, allow_null=True)
    scales = ScaleEntryOutput(many=True)
    amendments = AmendmentOutput(many=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "patient_id",
            "kind",
            "performed_on",
            "status",
            "clinician",
            "notes",
            "completed_at",
            "completed_by",
            "signed_digest",
            "amended_at",
            "scales",
            "amendments",
            "created_at",
            "updated_at",
        ]


class EvaluationSummaryOutput(serializers.ModelSerializer):
    clinician = serializers.CharField(source="clinician.username")
    scores = serializers.SerializerMethodField()

    class Meta:
        model = Evaluation
        fields = ["id", "kind", "performed_on", "status", "clinician", "completed_at", "amended_at", "scores"]

    def get_scores(self, evaluation) -> dict:
        return {entry.scale: entry.scores for entry in evaluation.scales.all()}


def _evaluation_payload(evaluation: Evaluation) -> dict:
    evaluation = (
        Evaluation.objects.select_related("clinician", "completed_by")
        .prefetch_related("scales", "amendments__by")
        .get(pk=evaluation.pk)
    )
    return EvaluationOutput(evaluation).data


class EvaluationCreateInput(serializers.Serializer):
    performed_on = serializers.DateField(required=False)
    kind = serializers.ChoiceField(choices=Evaluation.Kind.choices, required=False)


class EvaluationListApi(GenericAPIView):
    serializer_class = EvaluationSummaryOutput

    @extend_schema(responses=EvaluationSummaryOutput(many=True), summary="Evaluations of a patient, newest first")
    def get(self, request, patient_id: int):
        require_therapist(request.user)
        patient = access_patient(request.user, patient_id, action="evaluation.list")
        page = self.paginate_queryset(evaluations_of(patient))
        return self.get_paginated_response(EvaluationSummaryOutput(page, many=True).data)

    @extend_schema(
        request=EvaluationCreateInput, responses={201: EvaluationOutput}, summary="Start an evaluation (draft)"
    )
    def post(self, request, patient_id: int):
        require_therapist(request.user)
        patient = access_patient(request.user, patient_id, action="evaluation.create", audit_read=False)
        data = EvaluationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        evaluation = services.evaluation_create(actor=request.user, patient=patient, **data.validated_data)
        return Response(_evaluation_payload(evaluation), status=201)


class EvaluationUpdateInput(serializers.Serializer):
    performed_on = serializers.DateField(required=False)
    kind = serializers.ChoiceField(choices=Evaluation.Kind.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Required once the evaluation is signed (amendment)."
    )


class EvaluationDetailApi(GenericAPIView):
    serializer_class = EvaluationOutput

    @extend_schema(responses=EvaluationOutput, summary="One evaluation with item answers, scores and amendments")
    def get(self, request, evaluation_id: int):
        evaluation = access_evaluation(request.user, evaluation_id)
        return Response(_evaluation_payload(evaluation))

    @extend_schema(request=EvaluationUpdateInput, responses=EvaluationOutput, summary="Change date, kind or notes")
    def patch(self, request, evaluation_id: int):
        evaluation = access_evaluation(request.user, evaluation_id, action="evaluation.update", audit_read=False)
        data = EvaluationUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        reason = fields.pop("reason", "")
        services.evaluation_update(actor=request.user, evaluation=evaluation, reason=reason, **fields)
        return Response(_evaluation_payload(evaluation))


class ScaleItemsInput(serializers.Serializer):
    items = ItemsField(help_text="Item code → value; null clears the item. Merged into what is stored.")
    reason = serializers.CharField(required=False, allow_blank=True, help_text="Required on a signed evaluation.")
    source = serializers.CharField(required=False, default="therapist", max_length=24)
    source_ref = serializers.CharField(required=False, default="", allow_blank=True, max_length=120)


class EvaluationScaleApi(GenericAPIView):
    serializer_class = ScaleEntryOutput

    @extend_schema(responses=ScaleEntryOutput, summary="The answers and scores of one scale of an evaluation")
    def get(self, request, evaluation_id: int, scale: str):
        evaluation = access_evaluation(request.user, evaluation_id)
        if scale not in SCALES:
            raise Http404("Unknown scale.")
        entry = evaluation.scales.filter(scale=scale).first() or EvaluationScale(evaluation=evaluation, scale=scale)
        return Response(ScaleEntryOutput(entry).data)

    @extend_schema(
        request=ScaleItemsInput,
        responses=ScaleEntryOutput,
        summary="Record items of one scale (on a signed evaluation: an amendment with a reason)",
    )
    def patch(self, request, evaluation_id: int, scale: str):
        evaluation = access_evaluation(request.user, evaluation_id, action="evaluation.scale_update", audit_read=False)
        if scale not in SCALES:
            raise Http404("Unknown scale.")
        data = ScaleItemsInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            entry = services.evaluation_set_scale_items(
                actor=request.user, evaluation=evaluation, scale=scale, **data.validated_data
            )
        except ScaleItemsInvalid as exc:
            raise_field_errors(exc.errors)
        return Response(ScaleEntryOutput(entry).data)


class EvaluationCompleteApi(GenericAPIView):
    serializer_class = EvaluationOutput

    @extend_schema(request=None, responses=EvaluationOutput, summary="Sign and lock an evaluation")
    def post(self, request, evaluation_id: int):
        evaluation = access_evaluation(request.user, evaluation_id, action="evaluation.complete", audit_read=False)
        services.evaluation_complete(actor=request.user, evaluation=evaluation)
        return Response(_evaluation_payload(evaluation))


class CompareOutput(serializers.Serializer):
    earlier = serializers.IntegerField()
    later = serializers.IntegerField()
    days_between = serializers.IntegerField()
    scales = serializers.ListField(child=serializers.DictField())


class EvaluationCompareApi(GenericAPIView):
    serializer_class = CompareOutput

    @extend_schema(
        parameters=[OpenApiParameter("a", int, required=True), OpenApiParameter("b", int, required=True)],
        responses=CompareOutput,
        summary="Differences between two evaluations of one patient (improved / worse / changed)",
    )
    def get(self, request):
        a = access_evaluation(request.user, request.query_params.get("a"), action="evaluation.compare")
        b = access_evaluation(request.user, request.query_params.get("b"), action="evaluation.compare")
        if a.patient_id != b.patient_id:
            raise_field_errors({"b": "Both evaluations must belong to the same patient."})
        first, second = sorted([a, b], key=lambda e: (e.performed_on, e.pk))
        return Response(
            {
                "earlier": first.pk,
                "later": second.pk,
                "days_between": (second.performed_on - first.performed_on).days,
                "scales": compare(first, second),
            }
        )


class EvaluationReportApi(GenericAPIView):
    @extend_schema(
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The printable report")},
        summary="Printable evaluation report (PDF)",
    )
    def get(self, request, evaluation_id: int):
        from patients.evaluations.report import build_evaluation_report

        require_therapist(request.user)
        evaluation = access_evaluation(request.user, evaluation_id, action="evaluation.report")
        response = HttpResponse(build_evaluation_report(evaluation), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="evaluation-{evaluation.pk}.pdf"'
        return response


class ScaleDefinitionOutput(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    version = serializers.CharField()
    items = serializers.ListField(child=serializers.DictField())
    scores = serializers.ListField(child=serializers.DictField())


class ScaleListApi(GenericAPIView):
    serializer_class = ScaleDefinitionOutput
    pagination_class = None

    @extend_schema(
        responses=ScaleDefinitionOutput(many=True), summary="Definitions of every scale: items, anchors, scores"
    )
    def get(self, request):
        return Response([module.definition() for module in SCALES.values()])


class ScoreOutput(serializers.Serializer):
    scale = serializers.CharField()
    version = serializers.CharField()
    scores = serializers.DictField(allow_null=True, help_text="Null when some answers are refused.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="<scale>.<item> → messages for refused answers (empty when all are accepted).",
    )


class ScoreInput(serializers.Serializer):
    items = ItemsField()


class ScaleScoreApi(GenericAPIView):
    """Check and score answers without storing anything: the evaluation form uses it for live scores.

    Refused answers are part of the answer (``errors``, with ``scores`` null), not an HTTP error: the
    form asks on every keystroke and a half-typed value is normal there. Storing endpoints return 400.
    """

    serializer_class = ScoreOutput

    @extend_schema(
        request=ScoreInput, responses=ScoreOutput, summary="Check and score answers of a scale (nothing stored)"
    )
    def post(self, request, scale: str):
        require_therapist(request.user)
        if scale not in SCALES:
            raise Http404("Unknown scale.")
        data = ScoreInput(data=request.data)
        data.is_valid(raise_exception=True)
        module = SCALES[scale]
        try:
            cleaned = module.validate(data.validated_data["items"])
        except ScaleError as exc:
            errors = {f"{scale}.{code}": [message] for code, message in exc.errors.items()}
            return Response({"scale": scale, "version": module.VERSION, "scores": None, "errors": errors})
        items = {code: value for code, value in cleaned.items() if value is not None}
        return Response({"scale": scale, "version": module.VERSION, "scores": module.score(items), "errors": {}})
