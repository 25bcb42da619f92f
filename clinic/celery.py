"""The Celery app. Tasks are thin: they call services (see each app's tasks.py)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

app = Celery("retrain")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def task_phase(stage: str, obj) -> None:
    """Fault-injection point of long tasks (grading, session reports), called at each stage with the
    object being worked on. ``TASK_PHASE_HOOK`` names a function for the fault tests (which stall a
    worker at a known stage and kill it); nothing is configured in use."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    dotted = getattr(settings, "TASK_PHASE_HOOK", "")
    if dotted:
        import_string(dotted)(stage, obj)
