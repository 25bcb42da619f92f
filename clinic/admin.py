"""Django admin for platform operators (superusers) only; clinics use the console pages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from clinic.models import AuditEvent, Chair, Clinic, EdgeDevice, User


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "mains_frequency_hz", "require_staff_2fa"]


@admin.register(User)
class RetrainUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "clinic", "role", "is_active"]
    list_filter = ["role", "clinic", "is_active"]
    fieldsets = [*UserAdmin.fieldsets, ("Clinic", {"fields": ["clinic", "role", "title"]})]


@admin.register(Chair)
class ChairAdmin(admin.ModelAdmin):
    list_display = ["name", "clinic", "room", "is_active"]


@admin.register(EdgeDevice)
class EdgeDeviceAdmin(admin.ModelAdmin):
    list_display = ["name", "clinic", "chair", "token_prefix", "revoked_at", "last_seen_at"]
    readonly_fields = ["token_prefix", "token_digest"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "outcome", "object_type", "object_id", "patient_id"]
    list_filter = ["outcome", "clinic"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
