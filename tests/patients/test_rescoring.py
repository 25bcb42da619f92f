"""Stored answers are rescored when a formula changes; the audit log keeps the replaced scores."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from clinic.models import AuditEvent
from patients.evaluations import services
from patients.models import EvaluationScale
from patients.scales import eface
from tests.patients.conftest import eface_answers


def test_scales_scored_with_an_old_version_are_found_and_rescored(therapist_a, draft_evaluation, monkeypatch):
    services.evaluation_set_scale_items(
        actor=therapist_a, evaluation=draft_evaluation, scale="eface", items=eface_answers(100, 40, 100)
    )
    services.evaluation_complete(actor=therapist_a, evaluation=draft_evaluation)
    entry = EvaluationScale.objects.get(evaluation=draft_evaluation, scale="eface")
    assert entry.scores["total"] == 72  # (4 × 100 + 7 × 40 + 4 × 100) / 15

    # A verified formula arrives: the total weights dynamic items twice.
    original = eface.score

    def weighted(items):
        result = original(items)
        result["total"] = round((result["static"] + 2 * result["dynamic"] + result["synkinesis"]) / 4, 1)
        return result

    monkeypatch.setattr(eface, "VERSION", "eface-2015.verified-2")
    monkeypatch.setattr(eface, "score", weighted)
    out = StringIO()
    call_command("rescore_scales", stdout=out)
    assert "eface-2015.provisional-1 -> eface-2015.verified-2" in out.getvalue()
    entry.refresh_from_db()
    assert entry.scores["total"] == 72  # a dry run changes nothing

    call_command("rescore_scales", "--apply", stdout=StringIO())
    entry.refresh_from_db()
    assert entry.scores["total"] == 70 and entry.scoring_version == "eface-2015.verified-2"
    assert entry.items == eface_answers(100, 40, 100)
    event = AuditEvent.objects.get(action="evaluation.rescore")
    assert event.extra["before"]["total"] == 72 and event.extra["from"] == "eface-2015.provisional-1"
    assert services.scale_entries_to_rescore() == []
