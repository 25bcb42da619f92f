"""The demo seeder gives the demo patient two graded photo visits made from real-photo warps: the
earlier one reviewed and signed, the latest waiting for review, with a smile video. Idempotent."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_the_demo_patient_gets_two_graded_visits_and_a_second_run_adds_nothing(settings):
    from clinic.demo import seed_people
    from patients.media.demo import DEMO_RECORD, seed_graded_photo_set
    from patients.models import GradingRun, MediaAsset

    demo = seed_people()
    seed_graded_photo_set(demo)
    runs = list(GradingRun.objects.filter(patient__record_number=DEMO_RECORD).order_by("created_at"))
    assert [r.status for r in runs] == ["done", "done"]
    earlier, latest = runs
    assert earlier.evaluation.is_locked
    assert earlier.suggestions.filter(accepted_at__isnull=False).count() == earlier.suggestions.count() > 0
    assert not latest.evaluation.is_locked and not latest.suggestions.filter(accepted_at__isnull=False).exists()
    assert latest.results.filter(asset__kind="video", status="measured").count() == 1
    measured = sum(r.results.filter(status="measured", asset__kind="photo").count() for r in runs)
    assert measured == 16
    before = MediaAsset.objects.count()
    seed_graded_photo_set(demo)
    assert MediaAsset.objects.count() == before and GradingRun.objects.count() == 2
