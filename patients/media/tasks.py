"""Celery tasks of the photo record: thin, they call the grading and services.

Both are idempotent: a redelivered grading of a finished run does nothing (the run row records
completion), and a prepared video is not prepared twice.
"""

from __future__ import annotations

from celery import shared_task

# Grading a long video on a busy worker can take minutes; the default limits are for short tasks.
GRADING_SOFT_LIMIT_S = 1800


@shared_task(
    name="patients.media.grade_run", soft_time_limit=GRADING_SOFT_LIMIT_S, time_limit=GRADING_SOFT_LIMIT_S + 60
)
def grade_run(run_id: int) -> None:
    from patients.media.grading import run_grading

    run_grading(run_id)


@shared_task(name="patients.media.prepare_video", soft_time_limit=900, time_limit=960)
def prepare_video(asset_id: int) -> None:
    from patients.media.services import video_prepare

    video_prepare(asset_id=asset_id)
