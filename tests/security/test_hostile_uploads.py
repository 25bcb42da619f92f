"""Oversized, malformed and disguised uploads, and file names that try to climb out of the media
directory: refused with a 400 and a reason, nothing stored, never a 500; good files keep a name
the server chose, inside the private media directory."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from patients.models import MediaAsset
from sessions.models import ExerciseMedia
from tests.security.world import face_jpeg, jpeg


def _png(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (width, height), 0).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _bomb() -> bytes:
    """A 9000 × 9000 PNG (81 megapixels) that weighs a few hundred kB: a decompression bomb."""
    return _png(9000, 9000)


HTML = b"<html><script>alert(1)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HOSTILE_PHOTOS = {
    "empty file": (b"", "photo.jpg", "image/jpeg"),
    "text renamed .jpg": (b"just some text, not an image at all\n" * 20, "photo.jpg", "image/jpeg"),
    "html sent as a jpeg": (b"<html><script>alert(1)</script></html>", "photo.jpg", "image/jpeg"),
    "svg with a script": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "a.jpg",
        "image/jpeg",
    ),
    "truncated jpeg": (None, "photo.jpg", "image/jpeg"),  # filled below
    "jpeg header then html": (
        b"\xff\xd8\xff\xe0" + b"<html><script>alert(1)</script></html>" * 50,
        "p.jpg",
        "image/jpeg",
    ),
    "decompression bomb png": (None, "bomb.png", "image/png"),
    "gif": (b"GIF89a" + b"\x00" * 200, "anim.gif", "image/gif"),
    "too small": (None, "small.jpg", "image/jpeg"),
    "over the size limit": (None, "big.jpg", "image/jpeg"),
    "fake mp4": (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 5000, "clip.mp4", "video/mp4"),
    "video over the size limit": (None, "long.mp4", "video/mp4"),
}


def _payload(name: str) -> tuple[bytes, str, str]:
    data, filename, content_type = HOSTILE_PHOTOS[name]
    if name == "truncated jpeg":
        data = face_jpeg()[:5000]
    elif name == "decompression bomb png":
        data = _bomb()
    elif name == "too small":
        data = jpeg(120, 90)
    elif name == "over the size limit":
        data = face_jpeg() + b"\x00" * (300 * 1024)  # limit set to 200 kB below
    elif name == "video over the size limit":
        data = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * (300 * 1024)
    return data, filename, content_type


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def therapist_client(world, db) -> Client:
    client = Client()
    client.force_login(world.users["therapist"])
    return client


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("name", list(HOSTILE_PHOTOS))
def test_a_hostile_upload_is_refused_with_a_reason_and_nothing_is_stored(name, world, therapist_client, settings):
    settings.MEDIA_PHOTO_MAX_BYTES = 200 * 1024
    settings.MEDIA_VIDEO_MAX_BYTES = 200 * 1024
    root = Path(settings.MEDIA_ROOT)
    data, filename, content_type = _payload(name)
    files_before, assets_before = _files_under(root), MediaAsset.objects.count()
    view = "large_smile" if content_type.startswith("video/") else "rest"
    response = therapist_client.post(
        f"/api/v1/evaluations/{world.evaluation.pk}/media/",
        {"view": view, "file": SimpleUploadedFile(filename, data, content_type=content_type)},
    )
    assert response.status_code in (400, 413), (name, response.status_code, response.content[:300])
    body = response.json()["error"]
    assert body["message"] and (body["fields"] or body["code"] != "error"), body
    if "size limit" in name:
        assert body["code"] == "too_large", body
    assert MediaAsset.objects.count() == assets_before
    assert _files_under(root) == files_before, f"{name}: a refused upload left a file behind"


PATH_TRICKS = [
    "../../../../etc/passwd.jpg",
    "..\\..\\..\\windows\\win.ini.jpg",
    "/etc/cron.d/evil.jpg",
    "a/b/../../../c.jpg",
    "%2e%2e%2f%2e%2e%2fetc.jpg",
    "photo.jpg\u202egpj.exe",
    "x" * 300 + ".jpg",
    "photo.php.jpg",
    "<script>alert(1)</script>.jpg",
]


@pytest.mark.parametrize("filename", PATH_TRICKS)
def test_a_photo_named_to_climb_out_is_stored_under_a_name_the_server_chose(
    filename, world, therapist_client, settings
):
    root = Path(settings.MEDIA_ROOT).resolve()
    response = therapist_client.post(
        f"/api/v1/evaluations/{world.evaluation.pk}/media/",
        {"view": "rest", "file": SimpleUploadedFile(filename, face_jpeg(), content_type="image/jpeg")},
    )
    assert response.status_code == 201, response.content[:300]
    asset = MediaAsset.objects.get(pk=response.json()["id"])
    for field in (asset.file, asset.preview):
        stored = Path(field.path).resolve()
        assert stored.is_relative_to(root / "clinical-media"), stored
        assert stored.suffix == ".jpg" and "passwd" not in stored.name and "<" not in stored.name
    assert filename not in response.content.decode()


@pytest.mark.parametrize("filename", PATH_TRICKS)
def test_exercise_media_named_to_climb_out_stays_in_the_media_directory(filename, world, therapist_client, settings):
    root = Path(settings.MEDIA_ROOT).resolve()
    before = set(ExerciseMedia.objects.values_list("pk", flat=True))
    response = therapist_client.post(
        f"/therapy/library/{world.exercise.pk}/media/",
        {"file": SimpleUploadedFile(filename, jpeg(400, 300), content_type="image/jpeg"), "caption": "x"},
    )
    assert response.status_code == 302
    added = ExerciseMedia.objects.exclude(pk__in=before)
    for media in added:  # a name the storage accepted: it must sit inside the media directory
        stored = Path(media.file.path).resolve()
        assert stored.is_relative_to(root / "exercise-media"), stored
        assert ".." not in media.file.name and not media.file.name.startswith("/")


def test_an_oversized_request_body_is_refused_before_it_reaches_a_view(world, therapist_client, settings):
    """Django's own cap on form bodies holds for uploads' text fields (no view sees the flood)."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = therapist_client.post(
        f"/patients/{world.patient.pk}/edit/", {"first_name": "x" * 20_000, "last_name": "y"}
    )
    assert response.status_code == 400


def test_media_files_are_never_under_a_public_url(world, settings):
    client = Client()
    client.force_login(world.users["therapist"])
    for prefix in ("/media/", str(settings.MEDIA_URL or "/media/")):
        response = client.get(prefix.rstrip("/") + "/" + world.asset.file.name)
        assert response.status_code == 404


def _jpeg_with_exif() -> tuple[bytes, int]:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6  # orientation: rotated
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 5.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 60, 40)).save(buffer, format="JPEG", exif=exif)
    data = buffer.getvalue()
    return data, data.find(b"Exif")


@hypothesis_settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.tuples(st.integers(0, 120), st.integers(0, 255)), min_size=1, max_size=3))
def test_damaged_exif_is_read_past_or_refused_never_an_error(flips):
    """Images with damaged EXIF (as phones and editors write them): the decoder keeps the pixels or
    refuses the file with a reason; Pillow's own errors (TypeError, struct.error…) never escape."""
    import warnings

    from clinic.errors import DomainError
    from patients.media.validation import decode_image

    data, start = _jpeg_with_exif()
    damaged = bytearray(data)
    for offset, value in flips:
        damaged[start + offset] = value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow warns about each corrupt tag it skips
        try:
            image, kind = decode_image(bytes(damaged), what="image")
        except DomainError as exc:
            assert exc.code in ("corrupt", "not_an_image"), exc.code
            return
    assert kind == "jpeg" and image.mode == "RGB" and not image.info
