"""Fixtures of the photo record: a private media directory per test, evaluations, real photos.

The photos are the astronaut portrait from scikit-image, warped into the standard expressions of
a left-sided palsy (patients.media.demo.expression_photos); they are made once per test session.
"""

from __future__ import annotations

import io
from datetime import date
from functools import lru_cache

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


def new_evaluation(patient, therapist, day: date, *, consent: bool = True):
    """A draft evaluation made through the record area's service, with photography consent."""
    from patients.evaluations.services import evaluation_create
    from patients.services import consent_in_force, consent_record

    if consent and not consent_in_force(patient, "photography"):
        consent_record(actor=therapist, patient=patient, kind="photography", granted=True, given_on=day)
    return evaluation_create(actor=therapist, patient=patient, performed_on=day)


@pytest.fixture
def evaluation_a1(patient_a1, therapist_a):
    return new_evaluation(patient_a1, therapist_a, date(2026, 9, 10))


@pytest.fixture
def evaluation_b1(patient_b1, therapist_b):
    return new_evaluation(patient_b1, therapist_b, date(2026, 9, 12))


@lru_cache(maxsize=4)
def standard_set(severity: float = 0.8, affected: str = "left") -> dict[str, bytes]:
    """JPEG bytes of the 8 MEEI views of a palsy of ``severity`` on the ``affected`` side."""
    from patients.media.demo import expression_photos
    from signal_core.face import indices as ix

    photos = expression_photos(severity, ix.LEFT if affected == "left" else ix.RIGHT)
    return {view: jpeg_bytes(rgb) for view, rgb in photos.items()}


def jpeg_bytes(rgb: np.ndarray, quality: int = 92, **save) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=quality, **save)
    return buffer.getvalue()


@lru_cache(maxsize=1)
def smile_mp4() -> bytes:
    """A 2.4 s MP4 (15 fps) of the portrait going into a big smile with a weak left side whose eye
    narrows 2.5 mm as the mouth moves."""
    from patients.media.demo import smile_video
    from signal_core.face import indices as ix

    return smile_video(0.8, ix.LEFT, 2.5)


@lru_cache(maxsize=1)
def portrait() -> np.ndarray:
    from signal_core.face.synthetic import astronaut_portrait

    return astronaut_portrait(3)


def upload_file(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def upload_set(evaluation, actor, photos: dict[str, bytes]):
    from patients.media.services import media_upload

    return [
        media_upload(actor=actor, evaluation=evaluation, view=view, upload=upload_file(data, f"{view}.jpg"))
        for view, data in photos.items()
    ]


def top_screenshot(screenshot, page, name: str) -> None:
    """A full-page screenshot taken from the top, so the sticky header is not painted mid-page."""
    position = page.evaluate("window.scrollY")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)
    page.evaluate(f"window.scrollTo(0, {position})")
