from celery import shared_task


@shared_task(name="clinic.ping", ignore_result=False, soft_time_limit=5, time_limit=10)
def ping() -> str:
    """Answered by any live worker; used by operations checks (``/healthz?workers=1``)."""
    return "pong"
