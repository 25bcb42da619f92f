from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import re_path

from sessions.routing import browser_urlpatterns, device_urlpatterns

# Devices authenticate with a bearer token and have no Origin; browsers must come from our own
# origin with their session cookie.
websocket_application = URLRouter(
    [
        *device_urlpatterns,
        # A prefix match (re_path): Channels only nests routers directly, and path("") matches "" alone.
        re_path(r"^", AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(browser_urlpatterns)))),
    ]
)
