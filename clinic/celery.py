"""The Celery app. Tasks are thin: they call services (see each app's tasks.py)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

app = Celery("retrain")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
