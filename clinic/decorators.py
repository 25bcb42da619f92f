from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from clinic.audit import audit_record
from clinic.models import AuditEvent


def role_required(*roles: str):
    """Signed-in users of one of ``roles`` only; others get 403 (and the refusal is audited)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user.role not in roles:
                audit_record(
                    actor=user,
                    action=f"page.{view.__name__}",
                    object_type="page",
                    object_id=request.path[:64],
                    outcome=AuditEvent.Outcome.DENIED,
                )
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


admin_required = role_required("admin")
therapist_required = role_required("therapist")
patient_required = role_required("patient")
