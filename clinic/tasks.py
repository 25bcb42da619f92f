from celery import shared_task


@shared_task(name="clinic.ping", ignore_result=False, soft_time_limit=5, time_limit=10)
def ping() -> str:
    """Answered by any live worker; used by operations checks (``/healthz?workers=1``)."""
    return "pong"


@shared_task(name="clinic.requeue_stale_work", ignore_result=True, soft_time_limit=120, time_limit=150)
def requeue_stale_work() -> None:
    """Queue again the gradings and reports whose message was lost (``clinic.requeue``)."""
    from clinic.requeue import requeue_stale_work as sweep

    sweep()
