"""Photos are reached only through access-checked, audited views: another clinic's therapist gets
404 for uploads and downloads, patients see no clinical photos (their own included), admins do not
read them, and every download is written to the audit log. Nothing is served from a public URL."""

from __future__ import annotations

import pytest

from clinic.models import AuditEvent
from tests.media.conftest import jpeg_bytes, portrait, upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def rest_photo(evaluation_a1, therapist_a):
    from patients.media.services import media_upload

    return media_upload(
        actor=therapist_a, evaluation=evaluation_a1, view="rest", upload=upload_file(jpeg_bytes(portrait()))
    )


def test_a_therapist_of_clinic_b_cannot_upload_to_clinic_a(api_client, client_of, therapist_b, evaluation_a1):
    from patients.models import MediaAsset

    api_client.force_authenticate(therapist_b)
    response = api_client.post(
        f"/api/v1/evaluations/{evaluation_a1.pk}/media/",
        {"file": upload_file(jpeg_bytes(portrait())), "view": "rest"},
        format="multipart",
    )
    assert response.status_code == 404
    page = client_of(therapist_b).post(
        f"/patients/{evaluation_a1.patient_id}/media/evaluations/{evaluation_a1.pk}/",
        {"photo_rest": upload_file(jpeg_bytes(portrait()))},
    )
    assert page.status_code == 404
    assert MediaAsset.objects.count() == 0
    denied = AuditEvent.objects.filter(actor=therapist_b, outcome="denied", action="media.upload")
    assert denied.count() == 2 and denied.first().object_id == str(evaluation_a1.pk)


def test_a_therapist_of_clinic_b_cannot_fetch_or_grade_clinic_as_photos(api_client, therapist_b, rest_photo):
    api_client.force_authenticate(therapist_b)
    for url in (
        f"/api/v1/media/{rest_photo.pk}/content/",
        f"/api/v1/media/{rest_photo.pk}/",
        f"/api/v1/evaluations/{rest_photo.evaluation_id}/media/",
    ):
        assert api_client.get(url).status_code == 404, url
    assert api_client.post(f"/api/v1/evaluations/{rest_photo.evaluation_id}/gradings/").status_code == 404
    assert AuditEvent.objects.filter(actor=therapist_b, outcome="denied").count() == 4


def test_patients_do_not_see_clinical_photos_not_even_their_own(api_client, client_of, patient_a1, rest_photo):
    api_client.force_authenticate(patient_a1.user)
    response = api_client.get(f"/api/v1/media/{rest_photo.pk}/content/")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(actor=patient_a1.user, outcome="denied", object_id=str(rest_photo.pk)).exists()
    page = client_of(patient_a1.user).get(f"/patients/{patient_a1.pk}/media/evaluations/{rest_photo.evaluation_id}/")
    assert page.status_code == 403


def test_a_clinic_admin_does_not_read_photos(api_client, admin_a, rest_photo):
    api_client.force_authenticate(admin_a)
    assert api_client.get(f"/api/v1/media/{rest_photo.pk}/content/").status_code == 404


def test_the_therapist_downloads_the_photo_privately_and_the_download_is_audited(api_client, therapist_a, rest_photo):
    api_client.force_authenticate(therapist_a)
    response = api_client.get(f"/api/v1/media/{rest_photo.pk}/content/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body[:3] == b"\xff\xd8\xff" and len(body) == rest_photo.size_bytes
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    preview = api_client.get(f"/api/v1/media/{rest_photo.pk}/content/?variant=preview")
    assert preview.status_code == 200
    downloads = AuditEvent.objects.filter(actor=therapist_a, action="media.download", outcome="ok")
    assert sorted(e.extra["variant"] for e in downloads) == ["original", "preview"]
    assert {e.patient_id for e in downloads} == {rest_photo.patient_id}


def test_there_is_no_public_url_for_stored_files(client, therapist_a, rest_photo, settings):
    # Neither the storage's own URL nor the file name under /media/ answers.
    assert client.get(rest_photo.file.url).status_code == 404
    assert client.get("/media/" + rest_photo.file.name).status_code == 404
    assert not rest_photo.file.url.startswith(settings.STATIC_URL)


def test_a_byte_range_is_served_for_video_players(api_client, therapist_a, rest_photo):
    api_client.force_authenticate(therapist_a)
    response = api_client.get(f"/api/v1/media/{rest_photo.pk}/content/", HTTP_RANGE="bytes=10-29")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 10-29/{rest_photo.size_bytes}"
    assert len(b"".join(response.streaming_content)) == 20
