"""Helpers shared by the patient-area API views."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError


def require_therapist(user) -> None:
    if not user.is_therapist:
        raise PermissionDenied("Only therapists may do this.")


def raise_field_errors(errors: dict[str, str]) -> None:
    """Per-item refusals (``{"eface.brow_rest": "…"}``) as the API's 400 body with ``fields``."""
    raise ValidationError({key: [message] for key, message in errors.items()})


class AnyJSONField(serializers.JSONField):
    """A JSON value documented as a free-form object."""


class ItemsField(serializers.DictField):
    """``{item code: value}``; values are numbers, strings, or null to clear an item."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.JSONField(allow_null=True))
        super().__init__(**kwargs)
