import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from clinic import tokens
from clinic.audit import audit_record, current_client_ip
from clinic.models import ApiToken, AuditEvent

log = logging.getLogger("retrain.api")


def _failures_from_this_address() -> int:
    key = f"api:authfail:{current_client_ip() or 'unknown'}"
    try:
        cache.add(key, 0, timeout=60)
        return cache.incr(key)
    except Exception:  # noqa: BLE001 - a cache outage must not break authentication
        log.warning("api.auth_audit_counter_unavailable")
        return 0


def _refuse(reason: str, *, prefix: str | None, api_token: ApiToken | None = None, message: str = ""):
    """Audit a refused token (the first ones of a burst from one address, not every one of a flood)."""
    if _failures_from_this_address() <= settings.API_AUTH_FAILURES_AUDITED_PER_MINUTE:
        audit_record(
            actor=None,
            actor_label=f"api token rta_{prefix}_…" if prefix else "api token",
            action="api.authenticate",
            outcome=AuditEvent.Outcome.DENIED,
            object_type="apitoken",
            object_id=api_token.pk if api_token else "",
            clinic=api_token.user.clinic if api_token else None,
            extra={"reason": reason},
        )
    return exceptions.AuthenticationFailed(message or "Invalid or revoked API token.")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token rta_…`` (or ``Bearer``) for scripts; tokens are stored hashed."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise _refuse("malformed", prefix=None, message="Malformed Authorization header.")
        raw = header[1]
        prefix = tokens.token_prefix(raw, tokens.API)
        api_token = (
            ApiToken.objects.select_related("user", "user__clinic").filter(token_prefix=prefix).first()
            if prefix
            else None
        )
        if api_token is None or not tokens.token_matches(raw, api_token.token_digest):
            raise _refuse("unknown_token", prefix=prefix)
        if api_token.revoked_at is not None or not api_token.user.is_active:
            raise _refuse("revoked" if api_token.revoked_at else "inactive_user", prefix=prefix, api_token=api_token)
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        return api_token.user, api_token

    def authenticate_header(self, request):
        return "Token"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal API token (rta_…)."}
