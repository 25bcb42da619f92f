"""A video of a smile is re-encoded without metadata, followed frame by frame, and measured: time
series, the expression's peak excursion, and the affected eye narrowing while the mouth moves."""

from __future__ import annotations

import io

import numpy as np
import pytest

from tests.media.conftest import smile_mp4, standard_set, upload_file, upload_set

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def graded_video(api_client, therapist_a, evaluation_a1):
    from patients.models import GradingRun, MediaAsset

    upload_set(evaluation_a1, therapist_a, {"rest": standard_set(0.8, "left")["rest"]})
    api_client.force_authenticate(therapist_a)
    response = api_client.post(
        f"/api/v1/evaluations/{evaluation_a1.pk}/media/",
        {"file": upload_file(smile_mp4(), "smile.mp4", "video/mp4"), "view": "large_smile"},
        format="multipart",
    )
    assert response.status_code == 201, response.content[:300]
    assert response.json()["kind"] == "video"
    run = api_client.post(f"/api/v1/evaluations/{evaluation_a1.pk}/gradings/")
    assert run.status_code == 202
    return MediaAsset.objects.get(kind="video"), GradingRun.objects.get(pk=run.json()["id"])


def test_the_video_is_stored_as_webm_without_the_original(graded_video, private_media):
    asset, _ = graded_video
    assert asset.state == "ready"
    assert asset.content_type == "video/webm" and asset.file.name.endswith(".webm")
    with asset.file.open("rb") as handle:
        assert handle.read(4) == b"\x1a\x45\xdf\xa3"
    stored = [p.name for p in private_media.rglob("*") if p.is_file()]
    assert not any(name.endswith(".mp4") for name in stored)
    assert asset.frame_count == 36


def test_the_video_gives_series_peaks_and_ocular_synkinesis_on_the_affected_side(graded_video):
    asset, run = graded_video
    assert run.status == "done", run.error
    result = run.results.get(asset=asset)
    assert result.status == "measured", result.failure_message
    video = result.video
    assert len(video["times"]) == 36 and video["found_share"] == 1.0
    assert set(video["series"]) >= {"commissure_excursion", "palpebral_fissure", "brow_height"}
    assert len(video["episodes"]) == 1
    peak = video["peaks"][0]["measures"]["commissure_excursion"]
    # The healthy right corner moves far more than the affected left one.
    assert peak["right"]["change"] > 4.0
    assert peak["left"]["change"] < 0.6 * peak["right"]["change"]
    left, right = video["synkinesis"]["left"], video["synkinesis"]["right"]
    assert left["narrowing_pct"] > 15 and left["correlation"] < -0.5
    assert abs(right["narrowing_pct"]) < 8
    with result.landmarks_file.open("rb") as handle:
        stored = np.load(io.BytesIO(handle.read()))
        assert stored["landmarks"].shape == (36, 478, 3)


def test_the_page_shows_the_video_plot_and_synkinesis(client_of, therapist_a, graded_video):
    asset, run = graded_video
    page = client_of(therapist_a).get(f"/patients/{asset.patient_id}/media/evaluations/{asset.evaluation_id}/")
    body = page.content.decode()
    assert '<svg class="video-plot"' in body
    assert "Ocular synkinesis" in body and "narrows" in body
    assert f"/api/v1/media/{asset.pk}/content/" in body


def test_a_video_without_a_face_is_refused(api_client, therapist_a, evaluation_a1, tmp_path):
    import cv2

    path = tmp_path / "wall.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 15, (320, 240))
    for i in range(20):
        writer.write(np.full((240, 320, 3), 40 + i * 5, np.uint8))
    writer.release()
    api_client.force_authenticate(therapist_a)
    response = api_client.post(
        f"/api/v1/evaluations/{evaluation_a1.pk}/media/",
        {"file": upload_file(path.read_bytes(), "wall.mp4", "video/mp4"), "view": "sequence"},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_face"
    assert "this video" in response.json()["error"]["message"]
