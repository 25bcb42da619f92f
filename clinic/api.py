from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from clinic import selectors, services
from clinic.models import ApiToken, AuditEvent, User


class MeOutput(serializers.ModelSerializer):
    clinic = serializers.CharField(source="clinic.name", default=None, allow_null=True)
    patient_id = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "role", "title", "clinic", "patient_id"]

    def get_patient_id(self, user) -> int | None:
        patient = getattr(user, "patient", None)
        return patient.pk if patient else None


class MeApi(GenericAPIView):
    serializer_class = MeOutput

    @extend_schema(summary="The signed-in account")
    def get(self, request):
        return Response(MeOutput(request.user).data)


class AuditEventOutput(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor_label",
            "actor_role",
            "action",
            "outcome",
            "object_type",
            "object_id",
            "patient_id",
            "ip",
            "extra",
        ]


class AuditEventListApi(GenericAPIView):
    serializer_class = AuditEventOutput

    @extend_schema(
        summary="The clinic's audit log (clinic admins)",
        responses=AuditEventOutput(many=True),
        parameters=[
            OpenApiParameter("action", str, description="Action prefix, e.g. patient."),
            OpenApiParameter("outcome", str, enum=["ok", "denied"]),
            OpenApiParameter("patient_id", int),
        ],
    )
    def get(self, request):
        if not request.user.is_clinic_admin:
            raise PermissionDenied("Only clinic admins read the audit log.")
        params = request.query_params
        patient_id = params.get("patient_id")
        events = selectors.audit_events_of(
            request.user.clinic,
            action=params.get("action", ""),
            outcome=params.get("outcome", ""),
            patient_id=int(patient_id) if patient_id and patient_id.isdigit() else None,
        )
        page = self.paginate_queryset(events)
        return self.get_paginated_response(AuditEventOutput(page, many=True).data)


class ApiTokenInput(serializers.Serializer):
    name = serializers.CharField(max_length=80)


class ApiTokenOutput(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "token_prefix", "created_at", "last_used_at", "revoked_at"]


class ApiTokenCreatedOutput(ApiTokenOutput):
    token = serializers.CharField(read_only=True, help_text="Shown once, at creation.")

    class Meta(ApiTokenOutput.Meta):
        fields = [*ApiTokenOutput.Meta.fields, "token"]


class ApiTokenListApi(GenericAPIView):
    serializer_class = ApiTokenOutput

    @extend_schema(summary="Your API tokens", responses=ApiTokenOutput(many=True))
    def get(self, request):
        tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
        page = self.paginate_queryset(tokens)
        return self.get_paginated_response(ApiTokenOutput(page, many=True).data)

    @extend_schema(request=ApiTokenInput, responses={201: ApiTokenCreatedOutput}, summary="Create an API token")
    def post(self, request):
        data = ApiTokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        api_token, plaintext = services.api_token_create(user=request.user, name=data.validated_data["name"])
        body = ApiTokenOutput(api_token).data
        body["token"] = plaintext
        return Response(body, status=201)


class ApiTokenRevokeApi(GenericAPIView):
    serializer_class = ApiTokenOutput

    @extend_schema(request=None, responses=ApiTokenOutput, summary="Revoke one of your API tokens")
    def post(self, request, token_id: int):
        from django.http import Http404

        api_token = ApiToken.objects.filter(pk=token_id, user=request.user).first()
        if api_token is None:
            raise Http404("No API token found.")
        services.api_token_revoke(user=request.user, api_token=api_token)
        api_token.refresh_from_db()
        return Response(ApiTokenOutput(api_token).data)
