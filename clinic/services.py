"""Writes for clinics, accounts, chairs and devices. One transaction each, audited inside it."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from clinic import tokens
from clinic.audit import audit_record
from clinic.errors import DomainError
from clinic.models import ApiToken, Chair, Clinic, EdgeDevice, User

_INVITE_SALT = "retrain.invite"


# --- Invitations --------------------------------------------------------------------------------
def _invite_state(user: User) -> str:
    # Changes once the invite is used (password set, activated) or the account is deactivated,
    # which makes every earlier link dead.
    raw = f"{user.pk}:{user.password}:{user.is_active}:{user.activated_at}:{user.invited_at}"
    return salted_hmac(_INVITE_SALT, raw).hexdigest()[:24]


def invite_token_make(user: User) -> str:
    return signing.dumps({"u": user.pk, "s": _invite_state(user)}, salt=_INVITE_SALT, compress=True)


def invite_token_user(token: str) -> User:
    """The invited user a token belongs to; DomainError when expired, used or forged."""
    try:
        data = signing.loads(token, salt=_INVITE_SALT, max_age=settings.INVITE_TIMEOUT_SECONDS)
    except signing.SignatureExpired:
        raise DomainError("This invitation has expired. Ask your clinic to send a new one.", code="expired") from None
    except signing.BadSignature:
        raise DomainError("This invitation link is not valid.", code="invalid_token") from None
    user = User.objects.filter(pk=data.get("u")).first()
    if user is None or _invite_state(user) != data.get("s") or user.activated_at is not None:
        raise DomainError("This invitation has already been used or was withdrawn.", code="used")
    return user


def _send_invite(user: User) -> None:
    link = settings.SITE_URL + reverse("activate", args=[invite_token_make(user)])
    days = settings.INVITE_TIMEOUT_SECONDS // 86400
    clinic_name = user.clinic.name if user.clinic else "Retrain"
    send_mail(
        subject=f"Your {clinic_name} account on Retrain",
        message=(
            f"Hello {user.first_name or ''},\n\n"
            f"{clinic_name} has created a Retrain account for you ({user.get_role_display()}).\n"
            f"Choose your password here (the link works for {days} days):\n\n{link}\n\n"
            "If you did not expect this message you can ignore it.\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def user_invite(
    *, actor: User, clinic: Clinic, email: str, first_name: str, last_name: str, role: str, title: str = ""
) -> User:
    email = email.strip().lower()
    if role not in User.Role.values:
        raise DomainError(f"Unknown role {role!r}.", field="role")
    if User.objects.filter(username=email).exists():
        raise DomainError("An account with this e-mail address already exists.", field="email", code="duplicate")
    user = User(
        username=email,
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        clinic=clinic,
        role=role,
        title=title.strip(),
        is_active=False,
        invited_at=timezone.now(),
        invited_by=actor,
    )
    user.set_unusable_password()
    user.save()
    audit_record(actor=actor, action="account.invite", obj=user, clinic=clinic, extra={"role": role})
    transaction.on_commit(lambda: _send_invite(user))
    return user


@transaction.atomic
def user_invite_resend(*, actor: User, user: User) -> None:
    if not user.pending_invite:
        raise DomainError("This account is already active; no invitation to resend.")
    user.invited_at = timezone.now()  # also voids the previous link
    user.save(update_fields=["invited_at"])
    audit_record(actor=actor, action="account.invite_resend", obj=user, clinic=user.clinic)
    transaction.on_commit(lambda: _send_invite(user))


@transaction.atomic
def user_activate(*, token: str, password: str) -> User:
    user = invite_token_user(token)
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.is_active = True
    user.activated_at = timezone.now()
    user.save(update_fields=["password", "is_active", "activated_at"])
    audit_record(actor=user, action="account.activate", obj=user, clinic=user.clinic)
    return user


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool) -> User:
    if user.pk == actor.pk and not active:
        raise DomainError("You cannot deactivate your own account.")
    if user.pending_invite and active:
        raise DomainError("This person has not accepted the invitation yet; resend it instead.")
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        _end_sessions(user)
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(
        actor=actor, action="account.activate" if active else "account.deactivate", obj=user, clinic=user.clinic
    )
    return user


def _end_sessions(user: User) -> None:
    from django.contrib.sessions.models import Session

    # Session data is opaque; decode each (clinic-sized numbers of sessions).
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()


@transaction.atomic
def user_reset_second_factor(*, actor: User, user: User) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user).delete()
    audit_record(actor=actor, action="account.2fa_reset", obj=user, clinic=user.clinic)


# --- Clinic settings ----------------------------------------------------------------------------
@transaction.atomic
def clinic_update(*, actor: User, clinic: Clinic, **fields) -> Clinic:
    allowed = {
        "name",
        "timezone",
        "mains_frequency_hz",
        "require_staff_2fa",
        "tightness_alert_threshold",
        "contact_email",
        "phone",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(f"Unknown clinic settings: {', '.join(sorted(unknown))}")
    changed = {k: v for k, v in fields.items() if getattr(clinic, k) != v}
    for key, value in changed.items():
        setattr(clinic, key, value)
    clinic.save()
    audit_record(actor=actor, action="clinic.update", obj=clinic, clinic=clinic, extra={"changed": sorted(changed)})
    return clinic


# --- Chairs and devices ---------------------------------------------------------------------------
@transaction.atomic
def chair_create(*, actor: User, clinic: Clinic, name: str, room: str = "") -> Chair:
    name = name.strip()
    if not name:
        raise DomainError("A chair needs a name.", field="name")
    if Chair.objects.filter(clinic=clinic, name__iexact=name).exists():
        raise DomainError("A chair with this name already exists.", field="name", code="duplicate")
    chair = Chair.objects.create(clinic=clinic, name=name, room=room.strip())
    audit_record(actor=actor, action="chair.create", obj=chair, clinic=clinic)
    return chair


@transaction.atomic
def chair_set_active(*, actor: User, chair: Chair, active: bool) -> Chair:
    chair.is_active = active
    chair.save(update_fields=["is_active"])
    audit_record(actor=actor, action="chair.activate" if active else "chair.deactivate", obj=chair)
    return chair


@dataclass(frozen=True)
class DeviceWithToken:
    device: EdgeDevice
    token: str  # shown once, never stored


@transaction.atomic
def device_register(*, actor: User, clinic: Clinic, name: str, chair: Chair | None) -> DeviceWithToken:
    name = name.strip()
    if not name:
        raise DomainError("A device needs a name.", field="name")
    if chair is not None and chair.clinic_id != clinic.pk:
        raise DomainError("That chair belongs to another clinic.", field="chair")
    issued = tokens.token_issue(tokens.DEVICE)
    device = EdgeDevice.objects.create(
        clinic=clinic,
        chair=chair,
        name=name,
        token_prefix=issued.prefix,
        token_digest=issued.digest,
        created_by=actor,
    )
    audit_record(actor=actor, action="device.register", obj=device, clinic=clinic)
    return DeviceWithToken(device=device, token=issued.plaintext)


@transaction.atomic
def device_rotate(*, actor: User, device: EdgeDevice) -> DeviceWithToken:
    """Issue a new token; the old one stops working at once."""
    if device.is_revoked:
        raise DomainError("A revoked device cannot get a new token; register it again.")
    issued = tokens.token_issue(tokens.DEVICE)
    device.token_prefix = issued.prefix
    device.token_digest = issued.digest
    device.rotated_at = timezone.now()
    device.save(update_fields=["token_prefix", "token_digest", "rotated_at"])
    audit_record(actor=actor, action="device.rotate", obj=device)
    return DeviceWithToken(device=device, token=issued.plaintext)


@transaction.atomic
def device_revoke(*, actor: User, device: EdgeDevice) -> EdgeDevice:
    if not device.is_revoked:
        device.revoked_at = timezone.now()
        device.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="device.revoke", obj=device)
    return device


def device_authenticate(token: str) -> EdgeDevice | None:
    """The active device holding ``token``, or None (unknown, malformed or revoked)."""
    prefix = tokens.token_prefix(token, tokens.DEVICE)
    if prefix is None:
        return None
    device = EdgeDevice.objects.select_related("clinic", "chair").filter(token_prefix=prefix).first()
    if device is None or device.is_revoked or not tokens.token_matches(token, device.token_digest):
        return None
    return device


# --- API tokens -------------------------------------------------------------------------------------
@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    issued = tokens.token_issue(tokens.API)
    api_token = ApiToken.objects.create(
        user=user, name=name.strip() or "script", token_prefix=issued.prefix, token_digest=issued.digest
    )
    audit_record(actor=user, action="api_token.create", object_type="apitoken", object_id=api_token.pk)
    return api_token, issued.plaintext


@transaction.atomic
def api_token_revoke(*, user: User, api_token: ApiToken) -> None:
    if api_token.user_id != user.pk:
        raise DomainError("Not your token.")
    if api_token.revoked_at is None:
        api_token.revoked_at = timezone.now()
        api_token.save(update_fields=["revoked_at"])
        audit_record(actor=user, action="api_token.revoke", object_type="apitoken", object_id=api_token.pk)
