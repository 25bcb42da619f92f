"""The clinic edits its library; edits are versions; programs keep the wording they were given."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from sessions.programs import services
from tests.programs.helpers import active_program, exercise


def _png(width: int = 64, height: int = 48) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 110)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()


def test_editing_an_exercise_saves_a_new_version_and_leaves_programs_alone(therapist_a, patient_a1, clinic_a):
    program = active_program(therapist_a, patient_a1, ["scalp-glide"])
    glide = exercise(clinic_a, "scalp-glide")
    new = services.exercise_update(
        actor=therapist_a, exercise=glide, title="Scalp glide (slow)", change_note="slower wording"
    )
    assert new.number == 2
    item = program.items.get()
    assert item.version.title == "Scalp glide" and item.version.number == 1
    services.program_item_upgrade(actor=therapist_a, item=item)
    item.refresh_from_db()
    assert item.version.title == "Scalp glide (slow)"


def test_saving_without_changes_makes_no_version(therapist_a, clinic_a):
    glide = exercise(clinic_a, "scalp-glide")
    assert services.exercise_update(actor=therapist_a, exercise=glide, reps=glide.current.reps).number == 1


def test_a_therapist_adds_an_exercise_through_the_page(client_of, therapist_a):
    client = client_of(therapist_a)
    response = client.post(
        "/therapy/library/new/",
        {
            "title": "Cheek puff hold",
            "category": "resistance",
            "kind": "movement",
            "area": "midface",
            "steps": "Close the lips.\nPuff the cheeks gently.\nHold, then let the air out slowly.",
            "emotional_cue": "Imagine blowing out birthday candles.",
            "reps": 5,
            "hold_seconds": 3,
            "sets": 1,
            "times_per_day": 1,
            "days_per_week": 5,
            "stages": ["3", "4"],
            "target_muscles": "buccinator",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert b"Cheek puff hold" in page.content


def test_media_uploads_are_checked_and_served_only_to_those_who_may_see_them(
    client_of, therapist_a, therapist_b, patient_a1, patient_a2, clinic_a
):
    glide = exercise(clinic_a, "scalp-glide")
    media = services.exercise_media_add(
        actor=therapist_a, exercise=glide, upload=SimpleUploadedFile("glide.png", PNG, content_type="image/png")
    )
    fake = SimpleUploadedFile("glide.png", b"not an image at all", content_type="image/png")
    client = client_of(therapist_a)
    client.post(f"/therapy/library/{glide.pk}/media/", {"file": fake})
    # A PNG signature with nothing behind it: refused once decoded, not only by its first bytes.
    hollow = SimpleUploadedFile("glide.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")
    response = client.post(f"/therapy/library/{glide.pk}/media/", {"file": hollow}, follow=True)
    assert "The image is damaged or incomplete" in response.content.decode()
    assert glide.media.count() == 1  # both fakes were refused
    url = f"/therapy/media/{media.pk}/"
    assert client.get(url).status_code == 200
    active_program(therapist_a, patient_a1, ["scalp-glide"])
    assert client_of(patient_a1.user).get(url).status_code == 200
    assert client_of(patient_a2.user).get(url).status_code == 404  # not in their program
    assert client_of(therapist_b).get(url).status_code == 404


def test_an_exercise_picture_is_stored_without_its_metadata_and_at_a_sensible_size(therapist_a, clinic_a):
    """A phone photo's EXIF (with where it was taken) does not survive the upload; a 4000 px photo is
    stored at 2048 px; the stored file is a picture the server encoded itself."""
    from PIL import Image

    glide = exercise(clinic_a, "scalp-glide")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 5.0)}  # GPS: latitude
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), (200, 160, 140)).save(buffer, format="JPEG", exif=exif, quality=80)
    sent = buffer.getvalue()
    assert b"PhoneMaker" in sent
    media = services.exercise_media_add(
        actor=therapist_a, exercise=glide, upload=SimpleUploadedFile("me.jpg", sent, content_type="image/jpeg")
    )
    with media.file.open("rb") as handle:
        stored = handle.read()
    assert b"PhoneMaker" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (2048, 1536)
        assert not image.getexif()
    assert media.size_bytes == len(stored) and media.content_type == "image/jpeg"
