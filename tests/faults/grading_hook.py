"""Fault hook of the grading tests, run inside real Celery workers (``GRADING_PHASE_HOOK``).

``GRADING_HOOK_STALL_STAGE``: the first time a grading reaches a stage starting with this text, the
worker writes a marker file in ``GRADING_HOOK_DIR`` and stalls there, so the test can kill it at a
known point. Later attempts (the redelivered task) find the marker and go on.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def stall(stage: str, run) -> None:
    wanted = os.environ.get("GRADING_HOOK_STALL_STAGE", "")
    if not wanted or not stage.startswith(wanted):
        return
    folder = Path(os.environ["GRADING_HOOK_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / f"stalled-{run.pk}"
    if marker.exists():
        return
    marker.write_text(str(os.getpid()))
    time.sleep(float(os.environ.get("GRADING_HOOK_STALL_SECONDS", "120")))
