"""Files go through Django's storage API only, so an S3-compatible bucket works as well as a local
directory: with a storage that has no filesystem paths, photos and videos are stored, graded and
served exactly the same."""

from __future__ import annotations

import os

import pytest
from django.core.files.storage import InMemoryStorage

from tests.media.conftest import smile_mp4, standard_set, upload_file, upload_set

pytestmark = pytest.mark.django_db(transaction=True)


class BucketStorage(InMemoryStorage):
    """Like an S3 bucket: files by name, no filesystem path."""

    def _relative_path(self, name):
        return os.path.relpath(super().path(name), self.location)

    def path(self, name):
        raise NotImplementedError("this storage has no filesystem paths")


@pytest.fixture
def bucket_like_storage(settings, private_media):
    # Changing the setting resets Django's storage handler (django.test.signals.storages_changed).
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.media.test_storage_backend.BucketStorage"},
    }


def test_grading_and_download_work_on_a_storage_without_paths(
    bucket_like_storage, api_client, therapist_a, evaluation_a1, private_media
):
    from patients.media.services import grading_start
    from patients.models import GradingRun, MediaAsset

    upload_set(
        evaluation_a1, therapist_a, {k: v for k, v in standard_set(0.8, "left").items() if k in ("rest", "large_smile")}
    )
    api_client.force_authenticate(therapist_a)
    video = api_client.post(
        f"/api/v1/evaluations/{evaluation_a1.pk}/media/",
        {"file": upload_file(smile_mp4(), "smile.mp4", "video/mp4"), "view": "large_smile"},
        format="multipart",
    )
    assert video.status_code == 201
    asset = MediaAsset.objects.get(view="rest")
    with pytest.raises(NotImplementedError):
        asset.file.path  # noqa: B018 - no filesystem behind this storage
    run = GradingRun.objects.get(pk=grading_start(actor=therapist_a, evaluation=evaluation_a1).pk)
    assert run.status == "done", run.error
    assert set(run.results.values_list("status", flat=True)) == {"measured"}
    response = api_client.get(f"/api/v1/media/{asset.pk}/content/")
    assert response.status_code == 200 and b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    assert not any(private_media.rglob("*.jpg"))  # nothing went to the local directory
