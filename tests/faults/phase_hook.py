"""Fault hook of the worker fault tests, run inside real Celery workers (``TASK_PHASE_HOOK``, called by
``clinic.celery.task_phase`` with the stage and the object a grading or a report works on).

``PHASE_HOOK_STALL_STAGE``: the first time a task reaches a stage starting with this text, the worker
writes a marker file in ``PHASE_HOOK_DIR`` and stalls there, so the test can kill it at a known
point. Later attempts (the redelivered task) find the marker and go on.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def stall(stage: str, obj) -> None:
    wanted = os.environ.get("PHASE_HOOK_STALL_STAGE", "")
    if not wanted or not stage.startswith(wanted):
        return
    folder = Path(os.environ["PHASE_HOOK_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / f"stalled-{obj.pk}"
    if marker.exists():
        return
    marker.write_text(str(os.getpid()))
    time.sleep(float(os.environ.get("PHASE_HOOK_STALL_SECONDS", "120")))
