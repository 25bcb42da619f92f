"""Photos that upload fine but cannot be measured keep their place in the set with a stated reason
(on the page and in the API); the rest of the set is measured and nothing is lost."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.media.conftest import jpeg_bytes, portrait, standard_set, upload_set

pytestmark = pytest.mark.django_db(transaction=True)


def _photo_with(kind: str) -> bytes:
    from signal_core.face import geometry as g
    from signal_core.face import indices as ix
    from signal_core.face.landmarks import detect_faces
    from signal_core.face.synthetic import close_eyes, turn_head

    image = portrait()
    face = detect_faces(image)[0]
    if kind == "eyes_closed":
        return jpeg_bytes(close_eyes(image, face, (ix.RIGHT, ix.LEFT)))
    if kind == "blurred":
        mm = 1.0 / float(g.iris_scale(face)[0])
        return jpeg_bytes(cv2.GaussianBlur(image, (0, 0), 2.5 * mm * 0.7))
    if kind == "turned":
        return jpeg_bytes(turn_head(image, face, 35))
    raise ValueError(kind)


@pytest.fixture
def troubled_run(evaluation_a1, therapist_a):
    from patients.media.services import grading_start
    from patients.models import GradingRun

    photos = dict(standard_set(0.8, "left"))
    photos["rest"] = _photo_with("eyes_closed")
    photos["large_smile"] = _photo_with("blurred")
    photos["pucker"] = _photo_with("turned")
    upload_set(evaluation_a1, therapist_a, photos)
    run = grading_start(actor=therapist_a, evaluation=evaluation_a1)
    return GradingRun.objects.get(pk=run.pk)


def test_each_unmeasurable_photo_states_its_reason_and_the_others_are_measured(troubled_run):
    assert troubled_run.status == "done"
    results = {r.asset.view: r for r in troubled_run.results.select_related("asset")}
    expected = {
        "rest": "eyes_closed_calibration",
        "large_smile": "blurred",
        "pucker": "head_turned",
        # Eye closures need the rest photo's scale, which the closed-eyed rest photo cannot give.
        "gentle_eye_closure": "no_calibration",
        "tight_eye_closure": "no_calibration",
    }
    for view, code in expected.items():
        assert results[view].status == "failed", view
        assert results[view].failure_code == code, (view, results[view].failure_message)
        assert results[view].failure_message
    for view in ("brow_elevation", "small_smile", "lower_lip"):
        assert results[view].status == "measured", (view, results[view].failure_message)
        assert results[view].scale_method == "iris"
    assert troubled_run.calibration == {}
    # Items needing the rest photo are not suggested from a set without a usable one.
    assert not troubled_run.suggestions.filter(item="brow_rest").exists()


def test_the_reasons_are_on_the_page_and_in_the_api(client_of, api_client, therapist_a, troubled_run):
    page = client_of(therapist_a).get(
        f"/patients/{troubled_run.patient_id}/media/evaluations/{troubled_run.evaluation_id}/"
    )
    body = page.content.decode()
    assert "The eyes are closed in the rest photo, which calibrates the set" in body
    assert "too blurred to measure" in body
    assert "The head is turned about" in body
    api_client.force_authenticate(therapist_a)
    data = api_client.get(f"/api/v1/gradings/{troubled_run.pk}/").json()
    reasons = {r["asset"]["view"]: r["failure_code"] for r in data["results"]}
    assert reasons["large_smile"] == "blurred" and reasons["pucker"] == "head_turned"
    status = api_client.get(f"/api/v1/gradings/{troubled_run.pk}/status/").json()
    assert {a["view"]: a["failure_code"] for a in status["assets"]}["rest"] == "eyes_closed_calibration"


def test_a_corrupt_stored_file_fails_that_photo_only(evaluation_a1, therapist_a):
    from patients.media.services import grading_start
    from patients.models import GradingRun, MediaAsset

    upload_set(
        evaluation_a1, therapist_a, {k: v for k, v in standard_set(0.8, "left").items() if k in ("rest", "pucker")}
    )
    pucker = MediaAsset.objects.get(view="pucker")
    with pucker.file.storage.open(pucker.file.name, "wb") as handle:  # damaged on disk after upload
        handle.write(b"\xff\xd8\xff\xe0 broken")
    run = GradingRun.objects.get(pk=grading_start(actor=therapist_a, evaluation=evaluation_a1).pk)
    results = {r.asset.view: r for r in run.results.select_related("asset")}
    assert results["pucker"].status == "failed" and results["pucker"].failure_code == "corrupt"
    assert results["rest"].status == "measured"
    assert run.status == "done"


def test_a_bilateral_palsy_gets_measures_but_no_ratios(evaluation_a1, therapist_a, patient_a1):
    from patients.media.services import grading_start
    from patients.models import GradingRun

    patient_a1.affected_side = "bilateral"
    patient_a1.save()
    upload_set(
        evaluation_a1, therapist_a, {k: v for k, v in standard_set(0.8, "left").items() if k in ("rest", "large_smile")}
    )
    run = GradingRun.objects.get(pk=grading_start(actor=therapist_a, evaluation=evaluation_a1).pk)
    assert run.healthy_side == ""
    assert run.suggestions.count() == 0
    assert any("Bilateral" in note for note in run.notes)
    rest = run.results.get(asset__view="rest")
    assert rest.measures["asymmetry"]["brow_height"]["pct_of_healthy"] is None
    assert rest.measures["asymmetry"]["brow_height"]["abs_diff"] is not None
    assert np.isfinite(rest.measures["left"]["brow_height"])
