"""REST API of the patient record: patients, consent, treatments, timeline and progress."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from clinic.models import User
from patients import services
from patients.access import access_patient
from patients.api_common import require_therapist
from patients.models import Consent, Patient, ToxinInjection, ToxinInjectionSite, TreatmentEvent
from patients.models.treatment import TOXIN_MUSCLE_CHOICES
from patients.progress.series import progress_series
from patients.selectors import caseload
from patients.timeline import timeline_entries

# Kept for callers that imported it from here.
_require_therapist = require_therapist


class PatientOutput(serializers.ModelSerializer):
    care_team = serializers.SlugRelatedField(many=True, read_only=True, slug_field="username")

    class Meta:
        model = Patient
        fields = ["id", *Patient.EDITABLE_FIELDS, "care_team", "is_archived", "created_at", "updated_at"]


class PatientInput(serializers.ModelSerializer):
    care_team = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=User.objects.filter(role=User.Role.THERAPIST)
    )

    class Meta:
        model = Patient
        fields = [*Patient.EDITABLE_FIELDS, "care_team"]
        # Uniqueness per clinic is checked by the service, which knows the clinic.
        validators: list = []


class PatientListApi(GenericAPIView):
    serializer_class = PatientOutput

    @extend_schema(responses=PatientOutput(many=True), summary="Patients visible to the caller")
    def get(self, request):
        patients = caseload(request.user, query=request.query_params.get("q", ""))
        page = self.paginate_queryset(patients)
        return self.get_paginated_response(PatientOutput(page, many=True).data)

    @extend_schema(request=PatientInput, responses={201: PatientOutput}, summary="Create a patient record")
    def post(self, request):
        require_therapist(request.user)
        data = PatientInput(data=request.data)
        data.is_valid(raise_exception=True)
        patient = services.patient_create(actor=request.user, clinic=request.user.clinic, **data.validated_data)
        return Response(PatientOutput(patient).data, status=201)


class PatientDetailApi(GenericAPIView):
    serializer_class = PatientOutput

    @extend_schema(responses=PatientOutput, summary="One patient record")
    def get(self, request, patient_id: int):
        return Response(PatientOutput(access_patient(request.user, patient_id)).data)

    @extend_schema(request=PatientInput, responses=PatientOutput, summary="Update a patient record")
    def patch(self, request, patient_id: int):
        require_therapist(request.user)
        patient = access_patient(request.user, patient_id, action="patient.update", audit_read=False)
        data = PatientInput(patient, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        patient = services.patient_update(actor=request.user, patient=patient, **data.validated_data)
        return Response(PatientOutput(patient).data)


# --- Consent ---------------------------------------------------------------------------------------


class ConsentOutput(serializers.ModelSerializer):
    in_force = serializers.BooleanField(read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.username", default=None, allow_null=True)

    class Meta:
        model = Consent
        fields = [
            "id",
            "kind",
            "granted",
            "method",
            "given_on",
            "note",
            "withdrawn_on",
            "in_force",
            "recorded_by",
            "recorded_at",
        ]


class ConsentInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Consent.Kind.choices)
    granted = serializers.BooleanField()
    method = serializers.ChoiceField(choices=Consent.Method.choices, default=Consent.Method.WRITTEN)
    given_on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class ConsentListApi(GenericAPIView):
    serializer_class = ConsentOutput

    @extend_schema(responses=ConsentOutput(many=True), summary="Consent records of a patient, newest first")
    def get(self, request, patient_id: int):
        require_therapist(request.user)
        patient = access_patient(request.user, patient_id, action="consent.list")
        page = self.paginate_queryset(patient.consents.select_related("recorded_by"))
        return self.get_paginated_response(ConsentOutput(page, many=True).data)

    @extend_schema(request=ConsentInput, responses={201: ConsentOutput}, summary="Record a consent given or refused")
    def post(self, request, patient_id: int):
        require_therapist(request.user)
        patient = access_patient(request.user, patient_id, action="consent.record", audit_read=False)
        data = ConsentInput(data=request.data)
        data.is_valid(raise_exception=True)
        consent = services.consent_record(actor=request.user, patient=patient, **data.validated_data)
        return Response(ConsentOutput(consent).data, status=201)


class ConsentWithdrawApi(GenericAPIView):
    serializer_class = ConsentOutput

    @extend_schema(request=None, responses=ConsentOutput, summary="Record that a consent was withdrawn today")
    def post(self, request, patient_id: int, consent_id: int):
        require_therapist(request.user)
        patient = access_patient(request.user, patient_id, action="consent.withdraw", audit_read=False)
        consent = patient.consents.filter(pk=consent_id).first()
        if consent is None:
            from django.http import Http404

            raise Http404("No consent found.")
        return Response(ConsentOutput(services.consent_withdraw(actor=request.user, consent=consent)).data)


# --- Treatments ------------------------------------------------------------------------------------


class ToxinSiteSerializer(serializers.ModelSerializer):
    muscle = serializers.ChoiceField(choices=TOXIN_MUSCLE_CHOICES)
    side = serializers.ChoiceField(choices=[("left", "Left"), ("right", "Right")])
    units = serializers.DecimalField(max_digits=5, decimal_places=1)

    class Meta:
        model = ToxinInjectionSite
        fields = ["muscle", "side", "units"]


class ToxinInjectionSerializer(serializers.ModelSerializer):
    sites = ToxinSiteSerializer(many=True)
    total_units = serializers.DecimalField(max_digits=6, decimal_places=1, read_only=True)

    class Meta:
        model = ToxinInjection
        fields = ["id", "given_on", "product", "injector", "notes", "sites", "total_units", "created_at"]
        read_only_fields = ["id", "created_at"]


class ToxinInjectionListApi(GenericAPIView):
    serializer_class = ToxinInjectionSerializer

    @extend_schema(responses=ToxinInjectionSerializer(many=True), summary="Botulinum toxin log of a patient")
    def get(self, request, patient_id: int):
        require_therapist(request.user)
        patient = access_patient(request.user, patient_id, action="toxin.list")
        page = self.paginate_queryset(patient.toxin_injections.prefetch_related("sites"))
        return self.get_paginated_response(ToxinInjectionSerializer(page, many=True).data)

    @extend_schema(request=ToxinInjectionSerializer, responses={201: ToxinInjectionSerializer}, summary="Record toxin")
    def post(self, request, patient_id: int):
        require_therapist(request.user)
        patient = access_patient(request.user, patient_id, action="toxin.record", audit_read=False)
        data = ToxinInjectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        sites = [dict(site) for site in fields.pop("sites")]
        injection = services.toxin_injection_record(actor=request.user, patient=patient, sites=sites, **fields)
        return Response(ToxinInjectionSerializer(injection).data, status=201)


class TreatmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = TreatmentEvent
        fields = ["id", "kind", "performed_on", "title", "side", "detail", "created_at"]
        read_only_fields = ["id", "created_at"]
        # The service needs to know what kind of treatment it was; the model's default is not a guess to make.
        extra_kwargs = {"kind": {"required": True}}


class TreatmentListApi(GenericAPIView):
    serializer_class = TreatmentSerializer

    @extend_schema(responses=TreatmentSerializer(many=True), summary="Surgery and other treatments of a patient")
    def get(self, request, patient_id: int):
        require_therapist(request.user)
        patient = access_patient(request.user, patient_id, action="treatment.list")
        page = self.paginate_queryset(patient.treatments.all())
        return self.get_paginated_response(TreatmentSerializer(page, many=True).data)

    @extend_schema(request=TreatmentSerializer, responses={201: TreatmentSerializer}, summary="Record a treatment")
    def post(self, request, patient_id: int):
        require_therapist(request.user)
        patient = access_patient(request.user, patient_id, action="treatment.record", audit_read=False)
        data = TreatmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        treatment = services.treatment_record(actor=request.user, patient=patient, **data.validated_data)
        return Response(TreatmentSerializer(treatment).data, status=201)


# --- Timeline and progress ----------------------------------------------------------------------------


class TimelineEntryOutput(serializers.Serializer):
    at = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)


class TimelineApi(GenericAPIView):
    serializer_class = TimelineEntryOutput
    pagination_class = None

    @extend_schema(responses=TimelineEntryOutput(many=True), summary="The patient's timeline, newest first")
    def get(self, request, patient_id: int):
        require_therapist(request.user)
        patient = access_patient(request.user, patient_id, action="patient.timeline")
        return Response(
            [
                {
                    "at": entry["at"].isoformat() if entry.get("at") else "",
                    "kind": entry.get("kind", ""),
                    "title": entry.get("title", ""),
                    "detail": entry.get("detail", "") or "",
                    "url": entry.get("url", "") or "",
                }
                for entry in timeline_entries(patient)
            ]
        )


class PointOutput(serializers.Serializer):
    date = serializers.DateField()
    value = serializers.FloatField()


class SeriesOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    group = serializers.CharField()
    higher_is_better = serializers.BooleanField()
    provisional = serializers.BooleanField(default=False)
    points = PointOutput(many=True)


class ProgressApi(GenericAPIView):
    serializer_class = SeriesOutput
    pagination_class = None

    @extend_schema(responses=SeriesOutput(many=True), summary="Scores over time: scales, questionnaires, other areas")
    def get(self, request, patient_id: int):
        require_therapist(request.user)
        patient = access_patient(request.user, patient_id, action="patient.progress")
        return Response(SeriesOutput(progress_series(patient), many=True).data)
