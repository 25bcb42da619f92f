"""Extension points between feature areas, listed in settings as dotted paths.

An area that wants to add to another area's page (a patient tab, a timeline entry, a progress
series, a FHIR resource, a portal section, a dashboard alert, demo data) appends the dotted path
of a callable to the matching settings list instead of editing the other area's code.
See docs/extension-points.md for the signature each list expects.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


@cache
def _resolve(dotted: str):
    return import_string(dotted)


def hook_callables(name: str) -> list:
    return [_resolve(dotted) for dotted in getattr(settings, name, [])]


def call_hooks(name: str, *args: Any, **kwargs: Any) -> list:
    """Call every callable listed in ``settings.<name>``; flatten list results, drop None."""
    results: list = []
    for hook in hook_callables(name):
        value = hook(*args, **kwargs)
        if value is None:
            continue
        if isinstance(value, list):
            results.extend(value)
        else:
            results.append(value)
    return results
