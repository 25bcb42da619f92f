from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from clinic.audit import audit_client, client_ip_from_meta


class ContentSecurityPolicyMiddleware:
    """Sets the CSP header (Django 5.2 has no built-in one). No inline script or style is allowed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        response.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        return response


class AuditContextMiddleware:
    """Makes the client address available to audit_record for the length of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit_client(client_ip_from_meta(request.META)):
            return self.get_response(request)


_SECOND_FACTOR_EXEMPT = ("/accounts/", "/static/", "/healthz", "/api/")


def staff_second_factor_required(user) -> bool:
    if not (user.is_authenticated and getattr(user, "is_clinic_staff", False)):
        return False
    if settings.REQUIRE_STAFF_2FA:
        return True
    return bool(user.clinic and user.clinic.require_staff_2fa)


class SecondFactorMiddleware:
    """Staff who have (or must have) an authenticator finish the second step before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "is_clinic_staff", False)
            and not request.path.startswith(_SECOND_FACTOR_EXEMPT)
            and not user.is_verified()
        ):
            from django_otp import user_has_device

            if user_has_device(user, confirmed=True):
                return redirect(f"{reverse('otp-verify')}?next={request.get_full_path()}")
            if staff_second_factor_required(user):
                return redirect("otp-setup")
        return self.get_response(request)
