"""HTML and script in every free-text field comes back escaped on every page that shows it.

The free-text fields are found by model introspection (CharField/TextField without choices, of the
clinic, patients and therapy apps; identifiers, digests and formats excluded by name). Each field
of every row gets a payload carrying the field's own marker; then every page of the matrix is
rendered as each role allowed to see it. No payload may appear raw; each field's escaped payload
should appear somewhere (the fields no page shows are listed in the figures).
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse

from tests.security import matrix
from tests.security.conftest import role_client
from tests.security.figures import write_figures
from tests.security.routes import fill_kwargs, url_routes, view_methods

PAYLOADS = {
    "script": "<script>alert({m})</script>",
    "attribute": '"><img src=x onerror=alert({m})>',
}
# Values with a format the code parses (a time zone, a version, an identifier), or never free text.
NOT_FREE_TEXT = re.compile(
    r"(^|_)(digest|digest_after|sha256|prefix|key|slug|token|password|username|email|content_type|ip|timezone|"
    r"version|method_version|scoring_version|code|instrument|scale|section|item|measure_key|view|"
    r"source|source_ref|record_number|healthy_side|side|failure_code|muscle|product|claimed_by|"
    r"target_type|actor_label|actor_role|action|object_type|object_id|outcome|language|country|"
    r"phone|locale|stage|status|kind)$"
)
SKIPPED_MODELS = {"auditevent"}  # append-only by a database trigger; shown only as ids and labels


def free_text_fields() -> list[models.Field]:
    fields = []
    for app_label in ("clinic", "patients", "therapy"):
        for model in apps.get_app_config(app_label).get_models():
            if model._meta.model_name in SKIPPED_MODELS:
                continue
            for field in model._meta.get_fields():
                if not isinstance(field, models.CharField | models.TextField) or field.choices:
                    continue
                if isinstance(field, models.EmailField | models.SlugField | models.URLField):
                    continue
                if NOT_FREE_TEXT.search(field.name) or (field.max_length or 10_000) < 40:
                    continue
                fields.append(field)
    return fields


FIELDS = free_text_fields()


def _marker(index: int) -> str:
    return f"xq{index:03d}z"


def _html_pages(world):
    """(url, role) for every HTML page a role may GET."""
    pages = []
    for route in url_routes():
        entry = matrix.ROUTES_BY_NAME.get(route.name)
        if entry is None or route.is_admin_site or route.name.startswith("api-"):
            continue
        if "GET" not in (entry.methods or view_methods(route.callback)):
            continue
        url = reverse(route.name, kwargs=fill_kwargs(entry, route, world))
        for role in sorted(entry.allowed("GET") & set(world.users)):
            pages.append((url, role))
    return pages


@pytest.mark.parametrize("payload_name", list(PAYLOADS))
def test_every_free_text_field_is_escaped_on_every_page_that_shows_it(payload_name, world, db):
    template = PAYLOADS[payload_name]
    for index, field in enumerate(FIELDS):
        value = template.format(m=_marker(index))
        field.model.objects.update(**{field.attname: value})
    clients = {role: role_client(world, role) for role in world.users}
    shown: set[int] = set()
    raw: list[str] = []
    errors: list[str] = []
    pages = _html_pages(world)
    for url, role in pages:
        response = clients[role].get(url)
        if response.status_code >= 500:
            errors.append(f"{url} as {role}: {response.status_code}")
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode("utf-8", "replace")
        for index in range(len(FIELDS)):
            marker = _marker(index)
            if marker not in html:
                continue
            if template.format(m=marker) in html:
                raw.append(f"{FIELDS[index].model.__name__}.{FIELDS[index].name} raw on {url} as {role}")
            if "&lt;" in html and (f"alert({marker})&lt;" in html or f"alert({marker})&gt;" in html):
                shown.add(index)
    names = [f"{f.model.__name__}.{f.name}" for f in FIELDS]
    write_figures(
        f"escaping_{payload_name}",
        {
            "free_text_fields": len(FIELDS),
            "fields_shown_escaped": len(shown),
            "pages_rendered": len(pages),
            "fields_on_no_page": sorted(names[i] for i in range(len(FIELDS)) if i not in shown),
        },
    )
    assert not errors, "\n".join(errors)
    assert not raw, "\n".join(raw)
    # The payloads did reach the pages: most free text is shown somewhere.
    assert len(shown) >= len(FIELDS) // 2, f"only {len(shown)} of {len(FIELDS)} fields were seen on any page"


def _json_free_text(world, payload: str) -> dict[str, int]:
    """Put ``payload`` (with a marker per place) into the free text that lives inside JSON fields;
    returns {place: marker index}. The introspection above sees only text columns."""
    from patients.models import AssetGrading
    from sessions.models import ExerciseVersion, SessionReport

    places = {
        "ExerciseVersion.steps[]": 900,
        "AssetGrading.warnings[].message": 902,
        "SessionReport.trials[].prompt": 903,
        "SessionReport.trials[].emotional_cue": 904,
        "SessionReport.trials[].error": 905,
    }

    def text(place: str) -> str:
        return payload.format(m=_marker(places[place]))

    ExerciseVersion.objects.update(steps=[text("ExerciseVersion.steps[]"), "Relax."])
    AssetGrading.objects.update(
        warnings=[{"code": "blur", "message": text("AssetGrading.warnings[].message"), "severity": "warn"}]
    )
    trial = {
        "number": 1,
        "duration_s": 4.0,
        "prompt": text("SessionReport.trials[].prompt"),
        "emotional_cue": text("SessionReport.trials[].emotional_cue"),
        "error": text("SessionReport.trials[].error"),
    }
    summary = {"trials": 1}
    SessionReport.objects.update_or_create(
        session=world.bio_session, defaults={"status": "done", "progress": 100, "trials": [trial], "summary": summary}
    )
    return places


@pytest.mark.parametrize("payload_name", list(PAYLOADS))
def test_free_text_inside_json_fields_is_escaped_where_it_is_shown(payload_name, world, db):
    template = PAYLOADS[payload_name]
    places = _json_free_text(world, template)
    clients = {role: role_client(world, role) for role in world.users}
    shown: set[str] = set()
    raw: list[str] = []
    for url, role in _html_pages(world):
        response = clients[role].get(url)
        assert response.status_code < 500, f"{url} as {role}: {response.status_code}"
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode("utf-8", "replace")
        for place, index in places.items():
            marker = _marker(index)
            if marker not in html:
                continue
            if template.format(m=marker) in html:
                raw.append(f"{place} raw on {url} as {role}")
            elif f"alert({marker})&lt;" in html or f"alert({marker})&gt;" in html:
                shown.add(place)
    write_figures(f"escaping_json_{payload_name}", {"json_places": len(places), "shown_escaped": sorted(shown)})
    assert not raw, "\n".join(raw)
    assert shown == set(places), f"not seen on any page: {sorted(set(places) - shown)}"
