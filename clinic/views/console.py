"""The clinic admin's own pages: people, chairs and devices, clinic settings, audit log."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clinic import selectors, services
from clinic.access import access_chair, access_device, access_member
from clinic.audit import audit_record
from clinic.decorators import admin_required
from clinic.errors import DomainError
from clinic.forms import AuditFilterForm, ChairForm, ClinicSettingsForm, DeviceForm, InviteForm
from clinic.models import User


def _apply_domain_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@admin_required
def people(request):
    role = request.GET.get("role", "")
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()
    members = selectors.members_of(request.user.clinic, role=role, status=status, query=query)
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "console/people.html",
        {"page": page, "roles": User.Role.choices, "role": role, "status": status, "q": query},
    )


@admin_required
def invite(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["role"] == User.Role.PATIENT:
                from patients.services import patient_portal_invite

                user = patient_portal_invite(
                    actor=request.user,
                    clinic=request.user.clinic,
                    record_number=data["record_number"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data["email"],
                ).user
            else:
                user = services.user_invite(
                    actor=request.user,
                    clinic=request.user.clinic,
                    email=data["email"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    role=data["role"],
                    title=data["title"],
                )
        except DomainError as exc:
            _apply_domain_error(form, exc)
        else:
            messages.success(request, f"Invitation sent to {user.email}.")
            return redirect("console:person", user.pk)
    return render(request, "console/invite.html", {"form": form})


@admin_required
def person(request, user_id: int):
    member = access_member(request.user, user_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "deactivate":
                services.user_set_active(actor=request.user, user=member, active=False)
                messages.success(request, f"{member.display_name} can no longer sign in.")
            elif action == "reactivate":
                services.user_set_active(actor=request.user, user=member, active=True)
                messages.success(request, f"{member.display_name} can sign in again.")
            elif action == "resend":
                services.user_invite_resend(actor=request.user, user=member)
                messages.success(request, f"A new invitation was sent to {member.email}; the old link no longer works.")
            elif action == "reset_2fa":
                services.user_reset_second_factor(actor=request.user, user=member)
                messages.success(request, "The authenticator was removed; they will set up a new one at next sign-in.")
            else:
                messages.error(request, "Unknown action.")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("console:person", member.pk)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    has_2fa = TOTPDevice.objects.filter(user=member, confirmed=True).exists()
    return render(request, "console/person.html", {"member": member, "has_2fa": has_2fa})


@admin_required
def devices(request):
    clinic = request.user.clinic
    chair_form = ChairForm(prefix="chair")
    device_form = DeviceForm(prefix="device", clinic=clinic)
    return render(
        request,
        "console/devices.html",
        {
            "chairs": selectors.chairs_of(clinic),
            "devices": selectors.devices_of(clinic),
            "chair_form": chair_form,
            "device_form": device_form,
        },
    )


@admin_required
@require_POST
def chair_add(request):
    form = ChairForm(request.POST, prefix="chair")
    if form.is_valid():
        try:
            chair = services.chair_create(actor=request.user, clinic=request.user.clinic, **form.cleaned_data)
            messages.success(request, f"Chair “{chair.name}” added.")
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "A chair needs a name.")
    return redirect("console:devices")


@admin_required
@require_POST
def chair_toggle(request, chair_id: int):
    chair = access_chair(request.user, chair_id)
    services.chair_set_active(actor=request.user, chair=chair, active=not chair.is_active)
    return redirect("console:devices")


def _token_page(request, result: services.DeviceWithToken, *, rotated: bool):
    response = render(
        request, "console/device_token.html", {"device": result.device, "token": result.token, "rotated": rotated}
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@admin_required
def device_add(request):
    form = DeviceForm(request.POST or None, prefix="device", clinic=request.user.clinic)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.device_register(actor=request.user, clinic=request.user.clinic, **form.cleaned_data)
        except DomainError as exc:
            _apply_domain_error(form, exc)
        else:
            return _token_page(request, result, rotated=False)
    return render(request, "console/device_add.html", {"form": form})


@never_cache
@admin_required
@require_POST
def device_rotate(request, device_id: int):
    device = access_device(request.user, device_id)
    try:
        result = services.device_rotate(actor=request.user, device=device)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("console:devices")
    return _token_page(request, result, rotated=True)


@admin_required
@require_POST
def device_revoke(request, device_id: int):
    device = access_device(request.user, device_id)
    services.device_revoke(actor=request.user, device=device)
    messages.success(request, f"Device “{device.name}” is revoked; it can no longer connect.")
    return redirect("console:devices")


@admin_required
def clinic_settings(request):
    clinic = request.user.clinic
    form = ClinicSettingsForm(request.POST or None, instance=clinic)
    if request.method == "POST" and form.is_valid():
        # The service does the write (and the audit row); the form only validates.
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        clinic.refresh_from_db()
        services.clinic_update(actor=request.user, clinic=clinic, **fields)
        messages.success(request, "Clinic settings saved.")
        return redirect("console:settings")
    return render(request, "console/settings.html", {"form": form})


@admin_required
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_events_of(request.user.clinic, **{k: v for k, v in filters.items() if v not in ("", None)})
    if request.GET.get("format") == "csv":
        audit_record(
            actor=request.user,
            action="audit.export",
            object_type="auditlog",
            extra={k: str(v) for k, v in filters.items() if v not in ("", None)},
        )
        return _audit_csv(events)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "console/audit.html", {"form": form, "page": page, "query": query.urlencode()})


class _Echo:
    def write(self, value):
        return value


def _audit_csv(events):
    writer = csv.writer(_Echo())
    header = ["time", "actor", "role", "action", "outcome", "object_type", "object_id", "patient_id", "ip"]

    def rows():
        yield writer.writerow(header)
        for e in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    e.at.isoformat(),
                    e.actor_label,
                    e.actor_role,
                    e.action,
                    e.outcome,
                    e.object_type,
                    e.object_id,
                    e.patient_id or "",
                    e.ip or "",
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response
