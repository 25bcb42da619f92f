"""Functions a fault test runs inside a child process whose Django uses a private database
(``tests.harness.faults.call_in_django``): they take and return JSON-friendly values."""

from __future__ import annotations

from pathlib import Path


def register_device() -> dict:
    """A clinic, its admin, a chair and a device registered at it; returns the device's token."""
    from clinic import services
    from clinic.models import Chair, Clinic
    from tests.harness.people import make_user

    clinic = Clinic.objects.create(name="Fault Clinic", slug="fault-clinic")
    admin = make_user(clinic, "fault.admin@fault.test", "admin")
    chair = Chair.objects.create(clinic=clinic, name="Chair 1")
    issued = services.device_register(actor=admin, clinic=clinic, name="chair1-pi", chair=chair)
    return {"device": issued.device.pk, "token": issued.token}


def stored_equals_generated(config: str) -> dict:
    """Every recording in the agent's ledger is stored complete, once, sample for sample."""
    from django.db.models import Count

    from sessions.models import RecordingWindow
    from tests.edge_agent.agents import assert_stored_equals_generated

    totals = assert_stored_equals_generated(Path(config))
    duplicates = RecordingWindow.objects.values("recording_id", "seq").annotate(n=Count("id")).filter(n__gt=1).count()
    totals["stored_windows"] = RecordingWindow.objects.count()
    totals["duplicate_windows"] = duplicates
    return totals
