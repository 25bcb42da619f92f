"""Logs are JSON lines with ids, never patient data: patient-data flows (create a record, an
evaluation, photo uploads and their grading, a refused request, an export) run with every log
record captured at DEBUG, and no name, e-mail, birth date, record number or note appears in any."""

from __future__ import annotations

import json
import logging
from datetime import date

import pytest

from clinic.logging import JsonFormatter
from tests.media.conftest import new_evaluation, standard_set, upload_set

MARKERS = ["Ottoline", "Brackenbury", "ottoline.b@a.test", "1958-07-23", "OB-5521", "Private-note-8813"]


@pytest.fixture
def media_dir(settings, tmp_path):
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


def test_no_patient_data_reaches_the_logs(caplog, client_of, therapist_a, clinic_a, media_dir, settings):
    from patients import services
    from patients.media.services import grading_start
    from patients.models import Patient

    settings.CELERY_TASK_ALWAYS_EAGER = True
    caplog.set_level(logging.DEBUG)
    client = client_of(therapist_a)
    response = client.post(
        "/patients/new/",
        {
            "record_number": "OB-5521",
            "first_name": "Ottoline",
            "last_name": "Brackenbury",
            "date_of_birth": "1958-07-23",
            "email": "ottoline.b@a.test",
            "etiology": "bells_palsy",
            "affected_side": "left",
            "stage": "2",
            "history": "Private-note-8813: lives alone, anxious about photos.",
            "care_team": [therapist_a.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    patient = Patient.objects.get(record_number="OB-5521")
    services.patient_update(actor=therapist_a, patient=patient, phone="+44 7700 900123")
    evaluation = new_evaluation(patient, therapist_a, date(2026, 9, 10))
    photos = standard_set(0.8, "left")
    upload_set(evaluation, therapist_a, {v: photos[v] for v in ("rest", "large_smile")})
    run = grading_start(actor=therapist_a, evaluation=evaluation)
    from patients.media.grading import run_grading

    run_grading(run.pk)
    for url in (f"/patients/{patient.pk}/", f"/patients/{patient.pk}/timeline/", "/patients/?q=Ottoline"):
        assert client.get(url).status_code == 200
    assert client.post(f"/patients/{patient.pk}/erase/", {"confirm": "wrong"}).status_code == 400
    assert client.post(f"/patients/{patient.pk}/export/").status_code == 200
    assert client.get("/patients/999999/").status_code == 404

    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    assert len(lines) >= 3  # the flows did log (requests refused, grading, …)
    for line in lines:
        json.loads(line)
        for marker in MARKERS:
            assert marker.lower() not in line.lower(), line
