"""FHIR endpoints: export Bundles (therapists of the clinic), and the published CodeSystem/Questionnaires."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from clinic.audit import audit_record
from patients.access import access_evaluation, access_patient
from patients.api_common import require_therapist
from patients.fhir import codes
from patients.fhir.builder import build_bundle, bundle_json
from patients.scales.questionnaires import INSTRUMENTS

FHIR_JSON = "application/fhir+json"


def _export(request, patient, evaluation=None) -> Response:
    bundle = build_bundle(patient, actor=request.user, evaluation=evaluation)
    body = bundle_json(bundle)
    audit_record(
        actor=request.user,
        action="fhir.export",
        obj=evaluation or patient,
        extra={"scope": "evaluation" if evaluation else "patient", "resources": len(body.get("entry", []))},
    )
    response = Response(body, content_type=FHIR_JSON)
    response["Content-Disposition"] = f'inline; filename="patient-{patient.pk}-bundle.json"'
    return response


class PatientFhirApi(GenericAPIView):
    @extend_schema(
        responses={(200, FHIR_JSON): OpenApiTypes.OBJECT},
        summary="FHIR R4B Bundle of a patient record (collection)",
        description="Patient, Organization, Practitioner, Condition, Encounter and Observation per signed "
        "evaluation, QuestionnaireResponse and its Observation, Procedure, plus resources other areas "
        "contribute (CarePlan, ServiceRequest, Appointment, Media).",
    )
    def get(self, request, patient_id: int):
        require_therapist(request.user)
        patient = access_patient(request.user, patient_id, action="fhir.read")
        return _export(request, patient)


class EvaluationFhirApi(GenericAPIView):
    @extend_schema(responses={(200, FHIR_JSON): OpenApiTypes.OBJECT}, summary="FHIR R4B Bundle of one evaluation")
    def get(self, request, evaluation_id: int):
        require_therapist(request.user)
        evaluation = access_evaluation(request.user, evaluation_id, action="fhir.read")
        return _export(request, evaluation.patient, evaluation)


class CodeSystemApi(GenericAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        responses={(200, FHIR_JSON): OpenApiTypes.OBJECT},
        summary="The project's published FHIR CodeSystem (no patient data)",
        auth=[],
    )
    def get(self, request, code_system_id: str):
        if code_system_id != codes.CODE_SYSTEM_ID:
            raise Http404("Unknown CodeSystem.")
        return Response(codes.code_system_resource(), content_type=FHIR_JSON)


class QuestionnaireDefinitionApi(GenericAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        responses={(200, FHIR_JSON): OpenApiTypes.OBJECT},
        summary="Published FHIR Questionnaire (our paraphrased items)",
        auth=[],
    )
    def get(self, request, questionnaire_id: str):
        if questionnaire_id not in INSTRUMENTS:
            raise Http404("Unknown Questionnaire.")
        return Response(codes.questionnaire_resource(questionnaire_id), content_type=FHIR_JSON)
