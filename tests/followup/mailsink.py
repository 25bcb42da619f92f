"""Test-only mail backend for the reminder tests (used inside real worker processes).

``MAIL_SINK_DIR``: every message becomes one file there, written atomically, so a test can count
what was handed to "the mail server". ``MAIL_SINK_SLEEP_AFTER`` makes the backend sleep after
accepting a message (the server has it, we have not heard back): killing the worker then is the
at-most-once window. The worker is stalled at a phase of reminders.reminder_send by the
fault tests' hook (``tests.faults.phase_hook``).
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


def sent_messages(folder: Path) -> list[str]:
    return sorted(p.read_text(errors="replace") for p in folder.glob("*.eml")) if folder.exists() else []
