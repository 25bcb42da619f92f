"""A standard photo set is graded: every photo measured, overlays stored, items suggested for the
therapist, with the affected side (the patient's left) found weaker."""

from __future__ import annotations

import pytest

from tests.media.conftest import standard_set, upload_set


@pytest.fixture
def graded_run(evaluation_a1, therapist_a):
    from patients.media.services import grading_start
    from patients.models import GradingRun

    upload_set(evaluation_a1, therapist_a, standard_set(0.8, "left"))
    run = grading_start(actor=therapist_a, evaluation=evaluation_a1)
    return GradingRun.objects.get(pk=run.pk)


@pytest.mark.django_db(transaction=True)
def test_every_photo_of_the_set_is_measured_with_an_overlay(graded_run):
    assert graded_run.status == "done", graded_run.error
    assert graded_run.progress == 100
    results = {r.asset.view: r for r in graded_run.results.select_related("asset")}
    assert len(results) == 8
    for view, result in results.items():
        assert result.status == "measured", (view, result.failure_message)
        assert result.overlay.name
        assert result.measures["right"]["brow_height"] is not None
        assert len(result.landmarks) == 478
    assert results["gentle_eye_closure"].scale_method == "rest_photo"
    assert results["rest"].scale_method == "iris"
    assert graded_run.calibration["view"] == "rest"
