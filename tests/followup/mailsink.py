"""Test-only mail backend and fault hook for the reminder tests (used inside real worker processes).

``MAIL_SINK_DIR``: every message becomes one file there, written atomically, so a test can count
what was handed to "the mail server". ``MAIL_SINK_SLEEP_AFTER`` makes the backend sleep after
accepting a message (the server has it, we have not heard back): killing the worker then is the
at-most-once window. ``REMINDER_HOOK_SLEEP_PHASE``/``REMINDER_HOOK_SLEEP`` make the worker sleep at a
phase of reminders.reminder_send the first time it gets there (a marker file records it).
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class RecordingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(os.environ["MAIL_SINK_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = uuid.uuid4().hex
            tmp = folder / f".{name}.tmp"
            tmp.write_bytes(message.message().as_bytes())
            tmp.rename(folder / f"{name}.eml")
        delay = float(os.environ.get("MAIL_SINK_SLEEP_AFTER", "0") or 0)
        marker = folder / ".slept"
        if delay and not marker.exists():
            marker.touch()
            time.sleep(delay)
        return len(email_messages)


def phase_hook(phase: str, reminder) -> None:
    wanted = os.environ.get("REMINDER_HOOK_SLEEP_PHASE", "")
    if phase != wanted:
        return
    folder = Path(os.environ["MAIL_SINK_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / f".reached-{phase}-{reminder.pk}"
    if marker.exists():
        return
    marker.touch()
    time.sleep(float(os.environ.get("REMINDER_HOOK_SLEEP", "60")))


def sent_messages(folder: Path) -> list[str]:
    return sorted(p.read_text(errors="replace") for p in folder.glob("*.eml")) if folder.exists() else []
