"""One error body for the whole API:

{"error": {"status": 400, "code": "invalid", "message": "…", "fields": {"name": ["…"]}}}
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from clinic.audit import audit_record
from clinic.errors import DomainError
from clinic.models import AuditEvent


def _flatten(detail) -> str:
    if isinstance(detail, list):
        return " ".join(_flatten(item) for item in detail)
    if isinstance(detail, dict):
        return " ".join(f"{key}: {_flatten(value)}" for key, value in detail.items())
    return str(detail)


def _audit_refusal(exc, context) -> None:
    """Refusals to a signed-in account are audited like the pages' (``page.<view>``); the access
    helpers audit their own (NotFoundOrDenied), and refused tokens are audited by the authentication."""
    from patients.access import NotFoundOrDenied

    if isinstance(exc, NotFoundOrDenied) or not isinstance(
        exc, Http404 | PermissionDenied | exceptions.NotFound | exceptions.PermissionDenied
    ):
        return
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    view = context.get("view")
    audit_record(
        actor=user,
        action=f"api.{type(view).__name__ if view is not None else 'unknown'}",
        object_type="api",
        object_id=request.path[:64],
        outcome=AuditEvent.Outcome.DENIED,
        extra={"method": request.method},
    )


def exception_handler(exc, context):
    _audit_refusal(exc, context)
    if isinstance(exc, DomainError):
        fields = {exc.field: [exc.message]} if exc.field else {}
        body = {"status": 400, "code": exc.code, "message": exc.message, "fields": fields}
        return Response({"error": body}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    fields: dict = {}
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        fields = {
            key: [str(m) for m in (value if isinstance(value, list) else [value])] for key, value in exc.detail.items()
        }
        message = "The request has invalid fields."
    else:
        message = _flatten(getattr(exc, "detail", str(exc)))
    code = getattr(exc, "default_code", "error")
    response.data = {"error": {"status": response.status_code, "code": code, "message": message, "fields": fields}}
    return response
