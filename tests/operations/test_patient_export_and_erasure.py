"""A patient's data on request: the therapist downloads everything about one patient (rows, FHIR
bundle, access log, files with checksums) and deletes everything (rows, files, portal account),
each audited; afterwards nothing of that patient is left in any table or in the media folder, the
audit trail keeps its id-only entries, and other patients are untouched."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date

import pytest
from django.db import connection

from tests.harness.people import make_patient
from tests.media.conftest import new_evaluation, standard_set, upload_set

MARKERS = ["Zephyrine", "Quillfeather", "zephyrine.q@a.test", "ZQ-9917", "1961-03-17", "Distinctive-history-4471"]


@pytest.fixture
def media_dir(settings, tmp_path):
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


@pytest.fixture
def zephyrine(clinic_a, therapist_a, media_dir):
    patient = make_patient(
        clinic_a, "zephyrine.q@a.test", "Zephyrine", "Quillfeather", record_number="ZQ-9917", care_team=[therapist_a]
    )
    patient.date_of_birth = date(1961, 3, 17)
    patient.history = "Distinctive-history-4471: right otitis media before onset."
    patient.save()
    evaluation = new_evaluation(patient, therapist_a, date(2026, 9, 10))
    photos = standard_set(0.8, "left")
    upload_set(evaluation, therapist_a, {view: photos[view] for view in ("rest", "large_smile")})
    return patient


@pytest.fixture
def other_patient(patient_a2, therapist_a2, media_dir):
    evaluation = new_evaluation(patient_a2, therapist_a2, date(2026, 9, 11))
    upload_set(evaluation, therapist_a2, {"rest": standard_set(0.8, "left")["rest"]})
    return patient_a2


def _tables_mentioning(text: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        found = []
        for table in tables:
            sql = f'SELECT count(*) FROM "{table}" t WHERE t::text ILIKE %s'  # noqa: S608 - names from the catalogue
            cursor.execute(sql, [f"%{text}%"])
            if cursor.fetchone()[0]:
                found.append(table)
    return found


def _files_of(patient, media_dir) -> list:
    folder = media_dir / "clinical-media" / str(patient.pk)
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _snapshot(patient) -> dict:
    from clinic.models import AuditEvent
    from patients.models import Evaluation, MediaAsset

    return {
        "evaluations": list(Evaluation.objects.filter(patient=patient).values_list("pk", "updated_at")),
        "media": list(MediaAsset.objects.filter(patient=patient).values_list("pk", "file", "sha256")),
        "audit": AuditEvent.objects.filter(patient_id=patient.pk).count(),
    }


def test_the_export_holds_every_row_file_and_the_access_log(client_of, therapist_a, zephyrine, media_dir):
    from clinic.models import AuditEvent

    response = client_of(therapist_a).post(f"/patients/{zephyrine.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="patient-{zephyrine.pk}-export.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {"patient.json", "fhir-bundle.json", "access-log.json", "manifest.json"} <= names
    rows = json.loads(archive.read("patient.json"))
    patient_row = rows["patients.Patient"][0]["fields"]
    assert patient_row["first_name"] == "Zephyrine" and patient_row["date_of_birth"] == "1961-03-17"
    assert len(rows["patients.Evaluation"]) == 1 and len(rows["patients.MediaAsset"]) == 2
    assert rows["clinic.User"][0]["fields"]["email"] == "zephyrine.q@a.test"
    assert "password" not in rows["clinic.User"][0]["fields"]
    bundle = json.loads(archive.read("fhir-bundle.json"))
    assert bundle["resourceType"] == "Bundle"
    assert any(e["resource"]["resourceType"] == "Patient" for e in bundle["entry"])
    manifest = json.loads(archive.read("manifest.json"))
    on_disk = _files_of(zephyrine, media_dir)
    assert len(manifest["files"]) == len(on_disk) >= 4  # two photos and their previews
    for entry in manifest["files"]:
        content = archive.read(f"files/{entry['name']}")
        assert hashlib.sha256(content).hexdigest() == entry["sha256"]
        assert content == (media_dir / entry["name"]).read_bytes()
    assert json.loads(archive.read("access-log.json"))  # the patient's trail is part of the copy
    event = AuditEvent.objects.get(action="patient.export")
    assert event.patient_id == zephyrine.pk and event.actor_id == therapist_a.pk
    assert event.extra["files"] == len(on_disk)


def test_deleting_a_patient_leaves_nothing_of_them_and_keeps_the_audit_ids(
    client, client_of, therapist_a, zephyrine, other_patient, media_dir, django_capture_on_commit_callbacks
):
    from clinic.models import AuditEvent, User
    from patients.models import Patient

    # The patient used the portal too: the trail names their account by id only.
    client.force_login(zephyrine.user)
    assert client.get("/portal/").status_code == 200
    client.logout()
    assert _files_of(zephyrine, media_dir)
    for marker in MARKERS:
        assert _tables_mentioning(marker), f"the fixture should have stored {marker}"
    other_before, other_files = _snapshot(other_patient), _files_of(other_patient, media_dir)
    pk, user_pk = zephyrine.pk, zephyrine.user_id
    audit_before = AuditEvent.objects.filter(patient_id=pk).count()

    therapist = client_of(therapist_a)
    page = therapist.get(f"/patients/{pk}/erase/")
    assert page.status_code == 200 and b"Type the record number" in page.content
    refused = therapist.post(f"/patients/{pk}/erase/", {"confirm": "ZQ-9918"})
    assert refused.status_code == 400 and Patient.objects.filter(pk=pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = therapist.post(f"/patients/{pk}/erase/", {"confirm": "ZQ-9917"})
    assert done.status_code == 302 and done["Location"] == "/patients/"

    assert not Patient.objects.filter(pk=pk).exists()
    assert not User.objects.filter(pk=user_pk).exists()
    for marker in MARKERS:
        assert _tables_mentioning(marker) == [], marker
    assert _files_of(zephyrine, media_dir) == []
    assert not (media_dir / "clinical-media" / str(pk)).exists()
    # The trail keeps what happened, by id; the deletion is one more entry.
    assert AuditEvent.objects.filter(patient_id=pk).count() == audit_before + 2  # the confirm page and the deletion
    erased = AuditEvent.objects.get(action="patient.erase")
    assert erased.patient_id == pk and erased.actor_id == therapist_a.pk
    assert erased.extra["files"] >= 4 and "patients.Patient" in erased.extra["tables"]
    # Nobody else lost anything.
    assert _snapshot(other_patient) == {**other_before, "audit": other_before["audit"]}
    assert _files_of(other_patient, media_dir) == other_files


def test_only_the_patient_s_clinic_can_export_or_delete(client_of, therapist_b, admin_a, zephyrine):
    from patients.models import Patient

    for user in (therapist_b, admin_a, zephyrine.user):
        client = client_of(user)
        assert client.post(f"/patients/{zephyrine.pk}/export/").status_code in (403, 404)
        assert client.post(f"/patients/{zephyrine.pk}/erase/", {"confirm": "ZQ-9917"}).status_code in (403, 404)
        client.logout()
    assert Patient.objects.filter(pk=zephyrine.pk).exists()


def test_the_record_page_offers_the_download_and_the_deletion(client_of, therapist_a, zephyrine):
    page = client_of(therapist_a).get(f"/patients/{zephyrine.pk}/edit/").content.decode()
    assert f'action="/patients/{zephyrine.pk}/export/"' in page
    assert f'href="/patients/{zephyrine.pk}/erase/"' in page
