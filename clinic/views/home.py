from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache


@login_required
def home(request):
    """Send each role to its own home page."""
    user = request.user
    if user.is_clinic_admin:
        return redirect("console:people")
    if user.is_therapist:
        # Therapists start on what needs their attention today; the caseload is one click away.
        return redirect("therapy:dashboard")
    if user.is_patient:
        return redirect("portal:home")
    if user.is_superuser:
        return redirect("admin:index")
    return render(request, "clinic/no_role.html", status=403)


@never_cache
def healthz(request):
    """Liveness and readiness: the database answers, and Redis when it is configured."""
    checks: dict[str, str] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"error: {type(exc).__name__}"
        healthy = False
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {type(exc).__name__}"
            healthy = False
    if request.GET.get("workers") == "1" and settings.REDIS_URL and not settings.CELERY_TASK_ALWAYS_EAGER:
        from clinic.tasks import ping

        try:
            ping.apply_async().get(timeout=5)
            checks["workers"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["workers"] = f"error: {type(exc).__name__}"
            healthy = False
    return JsonResponse({"status": "ok" if healthy else "degraded", "checks": checks}, status=200 if healthy else 503)
