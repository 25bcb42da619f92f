"""Walk Django's URL resolver and the websocket routers; fill a route's URL arguments from the world."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class UrlRoute:
    name: str  # "namespace:name" (admin routes without a name: "admin:<pattern>")
    pattern: URLPattern
    prefix: str  # the regex/route text of the parents, for reading
    params: tuple[str, ...]
    callback: Any

    @property
    def is_admin_site(self) -> bool:
        return self.name.startswith("admin:")


def url_routes() -> list[UrlRoute]:
    found: list[UrlRoute] = []

    def walk(patterns, prefix: str, namespace: str | None, params: tuple[str, ...]) -> None:
        for entry in patterns:
            text = str(entry.pattern)
            names = tuple(re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", text))
            own = tuple(a or b for a, b in names) if names and isinstance(names[0], tuple) else names
            if isinstance(entry, URLResolver):
                ns = entry.namespace
                walk(
                    entry.url_patterns,
                    prefix + text,
                    f"{namespace}:{ns}" if namespace and ns else ns or namespace,
                    params + own,
                )
            else:
                label = entry.name or text
                found.append(
                    UrlRoute(
                        name=f"{namespace}:{label}" if namespace else label,
                        pattern=entry,
                        prefix=prefix,
                        params=params + own,
                        callback=entry.callback,
                    )
                )

    walk(get_resolver().url_patterns, "", None, ())
    return found


def view_methods(callback) -> tuple[str, ...]:
    """The HTTP methods a view answers (DRF and class-based views by their handlers, function views
    by their ``require_http_methods`` list, GET otherwise)."""
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        return tuple(m for m in METHODS if hasattr(view_class, m.lower()))
    function = callback
    while function is not None:
        for cell in function.__closure__ or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if isinstance(value, list) and value and all(isinstance(v, str) and v.isupper() for v in value):
                return tuple(m for m in METHODS if m in value)
        function = getattr(function, "__wrapped__", None)
    return ("GET",)


def websocket_paths() -> list[str]:
    """Every websocket path the ASGI application routes (device and browser routers)."""
    from clinic.routing import websocket_application

    paths: list[str] = []

    def walk(router, prefix: str) -> None:
        for route in router.routes:
            text = prefix + str(route.pattern).removeprefix("^")
            app = route.callback
            inner = _inner_router(app)
            if inner is not None:
                walk(inner, text)
            else:
                paths.append(text)

    walk(websocket_application, "")
    return paths


def _inner_router(app):
    from channels.routing import URLRouter

    seen = 0
    while app is not None and seen < 10:
        if isinstance(app, URLRouter):
            return app
        app = getattr(app, "inner", None) or getattr(app, "application", None)
        seen += 1
    return None


def browser_websocket_paths() -> list[str]:
    """The websocket paths browsers open (behind the Origin check and the session cookie)."""
    from sessions.routing import browser_urlpatterns

    return [str(route.pattern) for route in browser_urlpatterns]


def fill_kwargs(entry, route: UrlRoute, world) -> dict:
    """The URL arguments of ``route``, filled with the world's objects as the matrix entry says."""
    from tests.security import matrix

    kwargs: dict = {}
    for key, source in entry.kwargs.items():
        if key == "*":
            kwargs.update(source(world))
        else:
            kwargs[key] = source(world) if callable(source) else getattr(world, source).pk
    for param in route.params:
        if param not in kwargs:
            kwargs[param] = getattr(world, matrix.DEFAULT_KWARGS[param]).pk
    return kwargs
