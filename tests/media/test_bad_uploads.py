"""Uploads are judged by their content: a text file named .jpg, a truncated JPEG, a 50 MB image and
a photo without a face are refused with a stated reason, in the API and on the page, and nothing
of them is stored; the good files sent along with them are kept."""

from __future__ import annotations

import io

import numpy as np
import pytest

from tests.media.conftest import jpeg_bytes, portrait, upload_file

pytestmark = pytest.mark.django_db


def _files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _post(api_client, user, evaluation, data: bytes, name: str, view: str = "rest"):
    api_client.force_authenticate(user)
    return api_client.post(
        f"/api/v1/evaluations/{evaluation.pk}/media/",
        {"file": upload_file(data, name), "view": view},
        format="multipart",
    )


def _noise_png(megabytes: float) -> bytes:
    from PIL import Image

    side = int((megabytes * 1024 * 1024 / 3) ** 0.5) + 1
    pixels = np.random.default_rng(1).integers(0, 256, (side, side, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=0)
    return buffer.getvalue()


def _assert_refused(response, code: str, words: str, private_media):
    from patients.models import MediaAsset

    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == code
    assert words in error["message"]
    assert error["fields"]["file"] == [error["message"]]
    assert MediaAsset.objects.count() == 0
    assert _files(private_media) == []


def test_a_text_file_renamed_jpg_is_not_an_image(api_client, therapist_a, evaluation_a1, private_media):
    response = _post(api_client, therapist_a, evaluation_a1, b"Dear colleague,\nplease find attached...\n", "face.jpg")
    _assert_refused(response, "not_an_image", "its content was checked, not its name", private_media)


def test_a_truncated_jpeg_is_damaged(api_client, therapist_a, evaluation_a1, private_media):
    whole = jpeg_bytes(portrait())
    response = _post(api_client, therapist_a, evaluation_a1, whole[: len(whole) * 6 // 10], "rest.jpg")
    _assert_refused(response, "corrupt", "damaged or incomplete", private_media)


def test_a_50_mb_image_is_over_the_limit(api_client, therapist_a, evaluation_a1, private_media):
    big = _noise_png(50)
    assert len(big) > 50 * 1024 * 1024
    response = _post(api_client, therapist_a, evaluation_a1, big, "rest.png")
    _assert_refused(response, "too_large", "the limit is 20.0 MB", private_media)
    assert "50." in response.json()["error"]["message"]


def test_a_photo_without_a_face_is_refused(api_client, therapist_a, evaluation_a1, private_media):
    from skimage import data

    response = _post(api_client, therapist_a, evaluation_a1, jpeg_bytes(data.coffee()), "rest.jpg")
    _assert_refused(response, "no_face", "No face was found in this photo", private_media)


def test_two_faces_in_one_photo_are_refused(api_client, therapist_a, evaluation_a1, private_media):
    image = portrait()
    pair = np.ascontiguousarray(np.concatenate([image, image[:, ::-1]], axis=1))
    response = _post(api_client, therapist_a, evaluation_a1, jpeg_bytes(pair), "rest.jpg")
    _assert_refused(response, "several_faces", "2 faces", private_media)


def test_a_heic_photo_asks_for_a_jpeg(api_client, therapist_a, evaluation_a1, private_media):
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200
    response = _post(api_client, therapist_a, evaluation_a1, heic, "IMG_0001.HEIC")
    _assert_refused(response, "unsupported_format", "export the photo as JPEG", private_media)


def test_the_page_keeps_the_good_photos_and_names_the_bad_one(client_of, therapist_a, evaluation_a1, private_media):
    from patients.models import MediaAsset

    good = jpeg_bytes(portrait())
    response = client_of(therapist_a).post(
        f"/patients/{evaluation_a1.patient_id}/media/evaluations/{evaluation_a1.pk}/",
        {
            "photo_rest": upload_file(good, "rest.jpg"),
            "photo_large_smile": upload_file(good, "smile.jpg"),
            "photo_pucker": upload_file(b"not a photo at all", "pucker.jpg"),
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "2 files stored." in body
    assert "This file is not a JPEG, PNG or WebP image" in body
    assert sorted(MediaAsset.objects.values_list("view", flat=True)) == ["large_smile", "rest"]
    assert len(_files(private_media)) == 4  # two photos and their previews


def test_a_page_upload_with_only_a_bad_file_answers_400(client_of, therapist_a, evaluation_a1):
    response = client_of(therapist_a).post(
        f"/patients/{evaluation_a1.patient_id}/media/evaluations/{evaluation_a1.pk}/",
        {"photo_rest": upload_file(b"%PDF-1.7 ...", "rest.jpg")},
    )
    assert response.status_code == 400
    assert "This file is not a JPEG, PNG or WebP image" in response.content.decode()


def test_a_view_that_is_not_in_the_standard_set_is_refused(api_client, therapist_a, evaluation_a1):
    response = _post(api_client, therapist_a, evaluation_a1, jpeg_bytes(portrait()), "rest.jpg", view="speech")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["view"]
