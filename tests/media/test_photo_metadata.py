"""A stored photo is upright and carries no metadata: the EXIF orientation is applied, then EXIF
(camera, date, GPS position), XMP, comments and colour profiles are dropped by re-encoding."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.media.conftest import portrait, upload_file

pytestmark = pytest.mark.django_db


def _sideways_jpeg_with_metadata() -> bytes:
    # The camera stored the pixels turned a quarter to the left and says "rotate 90° clockwise".
    upright = portrait()
    sideways = np.ascontiguousarray(np.rot90(upright, 1))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x0132] = "2026:09:10 10:31:07"  # DateTime
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}  # GPSInfo
    buffer = io.BytesIO()
    Image.fromarray(sideways).save(buffer, format="JPEG", quality=92, exif=exif, comment=b"patient at home")
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825), "the test photo must carry a GPS position"
    return data


def test_a_sideways_phone_photo_is_stored_upright_without_exif(api_client, therapist_a, evaluation_a1):
    from patients.models import MediaAsset

    api_client.force_authenticate(therapist_a)
    response = api_client.post(
        f"/api/v1/evaluations/{evaluation_a1.pk}/media/",
        {"file": upload_file(_sideways_jpeg_with_metadata(), "IMG_2041.JPG"), "view": "rest"},
        format="multipart",
    )
    assert response.status_code == 201, response.content[:300]
    asset = MediaAsset.objects.get()
    height, width = portrait().shape[:2]
    assert (asset.width, asset.height) == (width, height)
    with asset.file.open("rb") as handle:
        data = handle.read()
    stored = Image.open(io.BytesIO(data))
    assert stored.size == (width, height)
    assert len(stored.getexif()) == 0
    assert "icc_profile" not in stored.info and "comment" not in stored.info and "exif" not in stored.info
    assert b"PhoneMaker" not in data and b"patient at home" not in data
    assert response.json()["sha256"] == asset.sha256


def test_file_names_in_storage_say_nothing_about_the_patient(api_client, therapist_a, evaluation_a1, patient_a1):
    from patients.models import MediaAsset

    api_client.force_authenticate(therapist_a)
    api_client.post(
        f"/api/v1/evaluations/{evaluation_a1.pk}/media/",
        {"file": upload_file(_sideways_jpeg_with_metadata(), "Pat One smile.jpg"), "view": "large_smile"},
        format="multipart",
    )
    name = MediaAsset.objects.get().file.name
    assert name.startswith(f"clinical-media/{patient_a1.pk}/")
    assert "Pat" not in name and "smile" not in name and "One" not in name
