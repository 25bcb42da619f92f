from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from clinic import tokens
from clinic.models import ApiToken


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token rta_…`` (or ``Bearer``) for scripts; tokens are stored hashed."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        raw = header[1]
        prefix = tokens.token_prefix(raw, tokens.API)
        api_token = (
            ApiToken.objects.select_related("user", "user__clinic").filter(token_prefix=prefix).first()
            if prefix
            else None
        )
        if (
            api_token is None
            or api_token.revoked_at is not None
            or not api_token.user.is_active
            or not tokens.token_matches(raw, api_token.token_digest)
        ):
            raise exceptions.AuthenticationFailed("Invalid or revoked API token.")
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        return api_token.user, api_token

    def authenticate_header(self, request):
        return "Token"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal API token (rta_…)."}
