"""Sign-in, second factor (TOTP), invitation acceptance."""

from __future__ import annotations

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.audit import audit_record
from clinic.errors import DomainError
from clinic.forms import EmailAuthenticationForm, SecondFactorForm
from clinic.models import AuditEvent
from clinic.services import invite_token_user, user_activate


class RetrainLoginView(LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(actor=form.get_user(), action="auth.login")
        return response


def _safe_next(request, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    from django.urls import reverse

    return reverse(default)


@never_cache
@login_required
def otp_verify(request):
    if not user_has_device(request.user, confirmed=True):
        return redirect("otp-setup")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices_for_user(request.user, confirmed=True):
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                audit_record(actor=request.user, action="auth.second_factor")
                return redirect(_safe_next(request))
        audit_record(actor=request.user, action="auth.second_factor", outcome=AuditEvent.Outcome.DENIED)
        form.add_error("token", "That code is not right (or has expired). Try the current one.")
    return render(request, "registration/otp_verify.html", {"form": form, "next": request.GET.get("next", "")})


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@never_cache
@login_required
def otp_setup(request):
    if not request.user.is_clinic_staff:
        return redirect("home")
    if user_has_device(request.user, confirmed=True) and not request.user.is_verified():
        return redirect("otp-verify")
    device, _ = TOTPDevice.objects.get_or_create(user=request.user, confirmed=False, defaults={"name": "Authenticator"})
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit_record(actor=request.user, action="account.2fa_enrol")
            messages.success(request, "Your authenticator is set up. You will be asked for a code at each sign-in.")
            return redirect("home")
        form.add_error("token", "That code does not match. Check the time on your phone and try the newest code.")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/otp_setup.html",
        {"form": form, "qr_svg": _qr_svg(device.config_url), "secret": secret},
    )


@never_cache
def activate(request, token: str):
    try:
        invited = invite_token_user(token)
    except DomainError as exc:
        return render(request, "registration/activate_invalid.html", {"reason": exc.message}, status=400)
    form = SetPasswordForm(invited, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_activate(token=token, password=form.cleaned_data["new_password1"])
        except DomainError as exc:
            return render(request, "registration/activate_invalid.html", {"reason": exc.message}, status=400)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome to Retrain. Your account is active.")
        if user.is_clinic_staff:
            return redirect("otp-setup")
        return redirect("home")
    return render(request, "registration/activate.html", {"form": form, "invited": invited})


@never_cache
@login_required
def security(request):
    """The signed-in person's own security page: password, authenticator, API tokens."""
    from clinic.models import ApiToken
    from clinic.services import api_token_create, api_token_revoke

    new_token = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create_token" and request.user.is_clinic_staff:
            name = request.POST.get("name", "").strip()[:80]
            if not name:
                messages.error(request, "Give the token a name, e.g. the script that will use it.")
            else:
                _, new_token = api_token_create(user=request.user, name=name)
        elif action == "revoke_token":
            api_token = ApiToken.objects.filter(user=request.user, pk=request.POST.get("token_id") or 0).first()
            if api_token is None:
                messages.error(request, "No such token.")
            else:
                api_token_revoke(user=request.user, api_token=api_token)
                messages.success(request, f"Token “{api_token.name}” revoked.")
                return redirect("account-security")
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    response = render(
        request,
        "registration/security.html",
        {
            "tokens": tokens,
            "new_token": new_token,
            "has_authenticator": user_has_device(request.user, confirmed=True),
        },
    )
    response["Cache-Control"] = "no-store"
    return response
