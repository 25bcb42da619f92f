"""REST API of follow-up plans, goals and appointments."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from patients.access import access_patient
from sessions.followup import services
from sessions.followup.access import access_appointment
from sessions.models import Appointment, FollowUpGoal, FollowUpPlan, Program, VisitFrequency


def _therapist(user) -> None:
    if not user.is_therapist:
        raise PermissionDenied("Only therapists plan follow-up.")


class GoalOutput(serializers.ModelSerializer):
    class Meta:
        model = FollowUpGoal
        fields = [
            "id",
            "description",
            "measure_key",
            "measure_label",
            "target_value",
            "higher_is_better",
            "target_date",
            "status",
            "created_at",
            "closed_at",
        ]


class PlanOutput(serializers.ModelSerializer):
    goals = GoalOutput(many=True, read_only=True)

    class Meta:
        model = FollowUpPlan
        fields = [
            "patient_id",
            "frequency",
            "next_review_date",
            "reevaluation_due",
            "status",
            "reminders_enabled",
            "notes",
            "discharged_at",
            "discharge_summary",
            "final_program_id",
            "updated_at",
            "goals",
        ]


class PlanInput(serializers.Serializer):
    frequency = serializers.ChoiceField(choices=VisitFrequency.choices, required=False)
    next_review_date = serializers.DateField(required=False, allow_null=True)
    reevaluation_due = serializers.DateField(required=False, allow_null=True)
    reminders_enabled = serializers.BooleanField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class GoalInput(serializers.Serializer):
    description = serializers.CharField(max_length=240)
    measure_key = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    measure_label = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    target_value = serializers.FloatField(required=False, allow_null=True, default=None)
    higher_is_better = serializers.BooleanField(required=False, default=True)
    target_date = serializers.DateField(required=False, allow_null=True, default=None)


class DischargeInput(serializers.Serializer):
    summary = serializers.CharField()
    final_program_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class AppointmentOutput(serializers.ModelSerializer):
    therapist = serializers.CharField(source="therapist.display_name", default=None, allow_null=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "patient_id",
            "kind",
            "starts_at",
            "duration_minutes",
            "location",
            "status",
            "notes",
            "therapist",
        ]


class AppointmentInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Appointment.Kind.choices, default=Appointment.Kind.THERAPY)
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(min_value=5, max_value=480, default=45)
    location = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    count = serializers.IntegerField(min_value=1, max_value=26, default=1)


class AppointmentUpdateInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Appointment.Status.choices, required=False)
    starts_at = serializers.DateTimeField(required=False)


class FollowUpPlanApi(GenericAPIView):
    serializer_class = PlanOutput

    @extend_schema(responses=PlanOutput, summary="A patient's follow-up plan and goals")
    def get(self, request, patient_id: int):
        _therapist(request.user)
        patient = access_patient(request.user, patient_id, action="followup.view")
        plan = FollowUpPlan.objects.filter(patient=patient).first()
        if plan is None:
            return Response({"patient_id": patient.pk, "status": "none", "goals": []})
        return Response(PlanOutput(plan).data)

    @extend_schema(request=PlanInput, responses=PlanOutput, summary="Create or change the follow-up plan")
    def put(self, request, patient_id: int):
        _therapist(request.user)
        patient = access_patient(request.user, patient_id, action="followup.update", audit_read=False)
        data = PlanInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            PlanOutput(services.followup_plan_save(actor=request.user, patient=patient, **data.validated_data)).data
        )


class FollowUpGoalApi(GenericAPIView):
    serializer_class = GoalOutput

    @extend_schema(request=GoalInput, responses={201: GoalOutput}, summary="Add a goal with a target score")
    def post(self, request, patient_id: int):
        _therapist(request.user)
        patient = access_patient(request.user, patient_id, action="followup.goal_add", audit_read=False)
        data = GoalInput(data=request.data)
        data.is_valid(raise_exception=True)
        goal = services.followup_goal_add(actor=request.user, patient=patient, **data.validated_data)
        return Response(GoalOutput(goal).data, status=201)


class FollowUpDischargeApi(GenericAPIView):
    serializer_class = PlanOutput

    @extend_schema(request=DischargeInput, responses=PlanOutput, summary="Discharge with a final home plan")
    def post(self, request, patient_id: int):
        _therapist(request.user)
        patient = access_patient(request.user, patient_id, action="followup.discharge", audit_read=False)
        data = DischargeInput(data=request.data)
        data.is_valid(raise_exception=True)
        final = None
        if data.validated_data["final_program_id"]:
            final = Program.objects.filter(pk=data.validated_data["final_program_id"], patient=patient).first()
            if final is None:
                raise serializers.ValidationError({"final_program_id": ["Not one of this patient's programs."]})
        plan = services.followup_discharge(
            actor=request.user, patient=patient, summary=data.validated_data["summary"], final_program=final
        )
        return Response(PlanOutput(plan).data)


class PatientAppointmentsApi(GenericAPIView):
    pagination_class = None  # a plain list, and the schema says so
    serializer_class = AppointmentOutput

    @extend_schema(responses=AppointmentOutput(many=True), summary="A patient's appointments")
    def get(self, request, patient_id: int):
        patient = access_patient(request.user, patient_id, action="appointment.list")
        return Response(
            AppointmentOutput(Appointment.objects.filter(patient=patient).select_related("therapist"), many=True).data
        )

    @extend_schema(
        request=AppointmentInput,
        responses={201: AppointmentOutput(many=True)},
        summary="Book a visit, or a series at the plan's frequency (count > 1)",
    )
    def post(self, request, patient_id: int):
        _therapist(request.user)
        patient = access_patient(request.user, patient_id, action="appointment.create", audit_read=False)
        data = AppointmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        count = v.pop("count")
        if count > 1:
            v.pop("notes")
            booked = services.appointment_series(
                actor=request.user, patient=patient, first_starts_at=v.pop("starts_at"), count=count, **v
            )
        else:
            booked = [services.appointment_create(actor=request.user, patient=patient, **v)]
        return Response(AppointmentOutput(booked, many=True).data, status=201)


class AppointmentApi(GenericAPIView):
    serializer_class = AppointmentOutput

    @extend_schema(
        request=AppointmentUpdateInput,
        responses=AppointmentOutput,
        summary="Mark attended / missed / cancelled, or move a visit",
    )
    def patch(self, request, appointment_id: int):
        _therapist(request.user)
        appointment = access_appointment(request.user, appointment_id, action="appointment.update")
        data = AppointmentUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        if "starts_at" in data.validated_data:
            services.appointment_reschedule(
                actor=request.user, appointment=appointment, starts_at=data.validated_data["starts_at"]
            )
        if "status" in data.validated_data:
            services.appointment_set_status(
                actor=request.user, appointment=appointment, status=data.validated_data["status"]
            )
        return Response(AppointmentOutput(appointment).data)


class MyAppointmentsApi(GenericAPIView):
    pagination_class = None  # a plain list, and the schema says so
    serializer_class = AppointmentOutput

    @extend_schema(responses=AppointmentOutput(many=True), summary="The patient's own appointments")
    def get(self, request):
        if not request.user.is_patient:
            raise PermissionDenied("This endpoint is for patients.")
        own = request.user.patient.pk if hasattr(request.user, "patient") else None
        patient = access_patient(request.user, own, action="appointment.list")
        return Response(
            AppointmentOutput(
                Appointment.objects.filter(patient=patient)
                .exclude(status=Appointment.Status.CANCELLED)
                .select_related("therapist"),
                many=True,
            ).data
        )
