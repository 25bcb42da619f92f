"""REST API of questionnaires: definitions, assignment, answers (patient or therapist), wording."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from patients.access import access_evaluation, access_patient, access_questionnaire
from patients.api_common import ItemsField, raise_field_errors, require_therapist
from patients.models import QuestionnaireAssignment
from patients.questionnaires import services
from patients.questionnaires.services import AnswersInvalid
from patients.questionnaires.wording import instrument_for_clinic
from patients.scales.questionnaires import INSTRUMENTS


class AssignmentOutput(serializers.ModelSerializer):
    patient_id = serializers.IntegerField()
    assigned_by = serializers.CharField(source="assigned_by.username", default=None, allow_null=True)
    evaluation_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = QuestionnaireAssignment
        fields = [
            "id",
            "patient_id",
            "instrument",
            "status",
            "due_on",
            "message",
            "evaluation_id",
            "assigned_by",
            "assigned_at",
            "answers",
            "scores",
            "scoring_version",
            "wording",
            "source",
            "completed_at",
            "cancelled_at",
        ]


class InstrumentOutput(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    full_title = serializers.CharField()
    version = serializers.CharField()
    instructions = serializers.CharField()
    wording = serializers.CharField(help_text="paraphrase, mixed or clinic (licensed text loaded by the clinic)")
    questions = serializers.ListField(child=serializers.DictField())
    scores = serializers.ListField(child=serializers.DictField())


class InstrumentListApi(GenericAPIView):
    serializer_class = InstrumentOutput
    pagination_class = None

    @extend_schema(responses=InstrumentOutput(many=True), summary="SAQ, FaCE and FDI as shown in the caller's clinic")
    def get(self, request):
        if request.user.clinic is None:
            raise PermissionDenied("Only clinic accounts read questionnaires.")
        return Response([instrument_for_clinic(request.user.clinic, code) for code in INSTRUMENTS])


class QuestionnaireAssignInput(serializers.Serializer):
    instrument = serializers.ChoiceField(choices=list(INSTRUMENTS))
    due_on = serializers.DateField(required=False, allow_null=True)
    message = serializers.CharField(required=False, allow_blank=True, max_length=300)
    evaluation_id = serializers.IntegerField(required=False, allow_null=True)


class PatientQuestionnaireListApi(GenericAPIView):
    serializer_class = AssignmentOutput

    @extend_schema(responses=AssignmentOutput(many=True), summary="Questionnaires of a patient (patients: their own)")
    def get(self, request, patient_id: int):
        patient = access_patient(request.user, patient_id, action="questionnaire.list")
        page = self.paginate_queryset(patient.questionnaires.select_related("assigned_by"))
        return self.get_paginated_response(AssignmentOutput(page, many=True).data)

    @extend_schema(
        request=QuestionnaireAssignInput, responses={201: AssignmentOutput}, summary="Assign a questionnaire"
    )
    def post(self, request, patient_id: int):
        require_therapist(request.user)
        patient = access_patient(request.user, patient_id, action="questionnaire.assign", audit_read=False)
        data = QuestionnaireAssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        evaluation_id = fields.pop("evaluation_id", None)
        evaluation = access_evaluation(request.user, evaluation_id, audit_read=False) if evaluation_id else None
        assignment = services.questionnaire_assign(actor=request.user, patient=patient, evaluation=evaluation, **fields)
        return Response(AssignmentOutput(assignment).data, status=201)


class QuestionnaireDetailApi(GenericAPIView):
    serializer_class = AssignmentOutput

    @extend_schema(responses=AssignmentOutput, summary="One questionnaire with answers and scores")
    def get(self, request, assignment_id: int):
        return Response(AssignmentOutput(access_questionnaire(request.user, assignment_id)).data)


class QuestionnaireAnswersInput(serializers.Serializer):
    answers = ItemsField(help_text="Question code → response value; every question must be answered.")


class QuestionnaireResponseApi(GenericAPIView):
    serializer_class = AssignmentOutput

    @extend_schema(
        request=QuestionnaireAnswersInput,
        responses=AssignmentOutput,
        summary="Submit the answers (the patient, or a therapist from a paper form)",
    )
    def post(self, request, assignment_id: int):
        assignment = access_questionnaire(request.user, assignment_id, action="questionnaire.submit", audit_read=False)
        data = QuestionnaireAnswersInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            assignment = services.questionnaire_submit(
                actor=request.user, assignment=assignment, answers=data.validated_data["answers"]
            )
        except AnswersInvalid as exc:
            raise_field_errors({f"answers.{code}": message for code, message in exc.errors.items()})
        return Response(AssignmentOutput(assignment).data)


class QuestionnaireCancelApi(GenericAPIView):
    serializer_class = AssignmentOutput

    @extend_schema(request=None, responses=AssignmentOutput, summary="Cancel a questionnaire still waiting")
    def post(self, request, assignment_id: int):
        require_therapist(request.user)
        assignment = access_questionnaire(request.user, assignment_id, action="questionnaire.cancel", audit_read=False)
        return Response(AssignmentOutput(services.questionnaire_cancel(actor=request.user, assignment=assignment)).data)


class WordingInput(serializers.Serializer):
    licence = serializers.CharField(required=False, allow_blank=True, max_length=200)
    instructions = serializers.CharField(required=False, allow_blank=True)
    items = serializers.DictField(
        child=serializers.CharField(allow_blank=True), help_text="Item code → licensed text; blank restores ours."
    )


class WordingOutput(serializers.Serializer):
    changed = serializers.IntegerField()
    instrument = InstrumentOutput()


class QuestionnaireWordingApi(GenericAPIView):
    serializer_class = WordingOutput

    @extend_schema(request=WordingInput, responses=WordingOutput, summary="Load the clinic's licensed wording")
    def put(self, request, instrument: str):
        if request.user.clinic is None or not request.user.is_clinic_staff:
            raise PermissionDenied("Only clinic staff load questionnaire wording.")
        if instrument not in INSTRUMENTS:
            raise_field_errors({"instrument": "Unknown questionnaire."})
        data = WordingInput(data=request.data)
        data.is_valid(raise_exception=True)
        payload = {"instrument": instrument, **data.validated_data}
        changed = services.questionnaire_wording_import(actor=request.user, clinic=request.user.clinic, payload=payload)
        return Response({"changed": changed, "instrument": instrument_for_clinic(request.user.clinic, instrument)})
