"""Django's admin site, with refusals audited like every other page's."""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig


class RetrainAdminSite(AdminSite):
    site_header = "Retrain platform administration"

    def has_permission(self, request) -> bool:
        allowed = super().has_permission(request)
        # Anonymous visitors are simply asked to sign in; a signed-in clinic account knocking on the
        # operators' admin is a refusal worth a row.
        if not allowed and request.user.is_authenticated:
            from clinic.audit import audit_record
            from clinic.models import AuditEvent

            audit_record(
                actor=request.user,
                action="page.django_admin",
                object_type="page",
                object_id=request.path[:64],
                outcome=AuditEvent.Outcome.DENIED,
            )
        return allowed


class RetrainAdminConfig(AdminConfig):
    default_site = "clinic.admin_site.RetrainAdminSite"
