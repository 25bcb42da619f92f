from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import re_path

from sessions.routing import browser_urlpatterns, device_urlpatterns

# Devices authenticate with a bearer token and have no Origin; browsers must come from our own
# origin with their session cookie. The browser router is mounted on a prefix pattern (a bare
# ``path("", app)`` only matches the empty path, so no browser route would ever be reached), and the
# Origin check runs before any browser route is looked up.
browser_application = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(browser_urlpatterns)))

websocket_application = URLRouter([*device_urlpatterns, re_path(r"^", browser_application)])
