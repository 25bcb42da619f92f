from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from clinic.audit import audit_record
from clinic.models import AuditEvent


def test_audit_rows_cannot_be_changed_through_the_orm(therapist_a):
    event = audit_record(actor=therapist_a, action="patient.view", object_type="patient", object_id=1)
    event.action = "something.else"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_audit_rows_cannot_be_changed_in_sql(therapist_a):
    event = audit_record(actor=therapist_a, action="patient.view", object_type="patient", object_id=1)
    for statement in (
        "UPDATE clinic_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM clinic_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "patient.view"


def test_a_failed_write_leaves_no_audit_row(therapist_a, clinic_a):
    from clinic.errors import DomainError
    from patients.services import patient_create

    patient_create(actor=therapist_a, clinic=clinic_a, record_number="X-1", first_name="A", last_name="B")
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError):
        patient_create(actor=therapist_a, clinic=clinic_a, record_number="X-1", first_name="C", last_name="D")
    assert AuditEvent.objects.count() == before


def test_admin_filters_the_audit_log_and_sees_only_their_clinic(
    client_of, admin_a, therapist_a, therapist_b, patient_a1, patient_b1
):
    client_of(therapist_a).get(f"/patients/{patient_a1.pk}/")
    client_of(therapist_b).get(f"/patients/{patient_b1.pk}/")
    client_of(therapist_b).get(f"/patients/{patient_a1.pk}/")
    client = client_of(admin_a)
    page = client.get("/console/audit/", {"action": "patient.view"}).content.decode()
    assert therapist_a.username in page
    assert therapist_b.username not in page
    denied = client.get("/console/audit/", {"outcome": "denied"}).content.decode()
    assert "patient.view" not in denied  # clinic B's refusal belongs to clinic B's log
    csv = b"".join(client.get("/console/audit/", {"format": "csv"}).streaming_content).decode()
    assert csv.splitlines()[0].startswith("time,actor,role,action")
    assert AuditEvent.objects.filter(actor=admin_a, action="audit.export").exists()


def test_audit_api_is_for_clinic_admins_only(api_client, admin_a, therapist_a, patient_a1):
    api_client.force_authenticate(therapist_a)
    api_client.get(f"/api/v1/patients/{patient_a1.pk}/")
    assert api_client.get("/api/v1/audit-events/").status_code == 403
    api_client.force_authenticate(admin_a)
    body = api_client.get("/api/v1/audit-events/", {"patient_id": patient_a1.pk}).json()
    assert [e["action"] for e in body["results"]] == ["patient.view"]
