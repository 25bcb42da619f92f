"""Websocket routes of the therapy app.

``device_urlpatterns`` are reached by edge devices (bearer token, no browser Origin);
``browser_urlpatterns`` sit behind the Origin check and the session-cookie auth stack.
"""

from django.urls import path

from sessions.biofeedback.consumers import LiveSessionConsumer
from sessions.ingest.consumers import DeviceConsumer

device_urlpatterns: list = [path("ws/device/", DeviceConsumer.as_asgi())]
browser_urlpatterns: list = [path("ws/biofeedback/<int:session_id>/", LiveSessionConsumer.as_asgi())]
