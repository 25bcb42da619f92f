"""Demo data for the one-command demo: a clinic with staff, patients and a simulated chair.

Idempotent: running it again keeps what exists. Feature areas add their own seeders to
``settings.DEMO_SEEDERS``; each receives the ``DemoClinic`` built here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clinic import services
from clinic.models import Chair, Clinic, EdgeDevice, User

DEMO_PASSWORD = "retrain-demo-2026"  # noqa: S105 - documented demo credential, demo data only


@dataclass
class DemoClinic:
    clinic: Clinic
    admin: User
    therapists: list[User]
    patients: list = field(default_factory=list)
    chair: Chair | None = None
    device: EdgeDevice | None = None
    device_token_file: Path | None = None


def _user(clinic: Clinic, email: str, first: str, last: str, role: str, title: str = "") -> User:
    user, created = User.objects.get_or_create(
        username=email,
        defaults={
            "email": email,
            "first_name": first,
            "last_name": last,
            "clinic": clinic,
            "role": role,
            "title": title,
            "activated_at": timezone.now(),
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


PATIENTS = [
    # record, first, last, born, sex, etiology, side, onset, stage, therapist index, portal e-mail
    (
        "RT-1001",
        "Jordan",
        "Avery",
        date(1986, 4, 12),
        "female",
        "bells_palsy",
        "left",
        date(2026, 8, 30),
        2,
        0,
        "jordan@patients.demo",
    ),
    (
        "RT-1002",
        "Priya",
        "Raman",
        date(1971, 9, 3),
        "female",
        "ramsay_hunt",
        "right",
        date(2025, 11, 2),
        3,
        0,
        "priya@patients.demo",
    ),
    (
        "RT-1003",
        "Tomas",
        "Lindqvist",
        date(1964, 1, 22),
        "male",
        "acoustic_neuroma",
        "right",
        date(2026, 10, 14),
        1,
        1,
        "",
    ),
    ("RT-1004", "Amara", "Okafor", date(1992, 6, 30), "female", "trauma", "left", date(2024, 3, 8), 3, 1, ""),
    ("RT-1005", "Leo", "Marchetti", date(2011, 2, 17), "male", "congenital", "left", None, 4, 0, ""),
    ("RT-1006", "Grace", "Whitfield", date(1958, 12, 5), "female", "bells_palsy", "right", date(2023, 5, 19), 4, 1, ""),
    ("RT-1007", "Samuel", "Osei", date(1979, 7, 9), "male", "stroke", "left", date(2026, 6, 1), 2, 1, ""),
]


@transaction.atomic
def seed_people() -> DemoClinic:
    from patients.models import Patient

    clinic, _ = Clinic.objects.get_or_create(
        slug="lakeside", defaults={"name": "Lakeside Facial Therapy", "timezone": "Europe/London"}
    )
    admin = _user(clinic, "admin@lakeside.demo", "Morgan", "Hale", User.Role.ADMIN)
    therapists = [
        _user(clinic, "maya@lakeside.demo", "Maya", "Chen", User.Role.THERAPIST, "OT"),
        _user(clinic, "sam@lakeside.demo", "Sam", "Brooks", User.Role.THERAPIST, "PT"),
    ]
    demo = DemoClinic(clinic=clinic, admin=admin, therapists=therapists)
    for record, first, last, born, sex, etiology, side, onset, stage, t_index, portal in PATIENTS:
        patient, created = Patient.objects.get_or_create(
            clinic=clinic,
            record_number=record,
            defaults={
                "first_name": first,
                "last_name": last,
                "date_of_birth": born,
                "sex": sex,
                "etiology": etiology,
                "affected_side": side,
                "onset_date": onset,
                "stage": stage,
                "created_by": therapists[t_index],
            },
        )
        if created:
            patient.care_team.add(therapists[t_index])
        if portal and patient.user_id is None:
            patient.user = _user(clinic, portal, first, last, User.Role.PATIENT)
            patient.save(update_fields=["user"])
        demo.patients.append(patient)
    demo.chair, _ = Chair.objects.get_or_create(clinic=clinic, name="Chair 1", defaults={"room": "Room A"})
    Chair.objects.get_or_create(clinic=clinic, name="Chair 2", defaults={"room": "Room B"})
    demo.device_token_file = Path(settings.VAR_DIR) / "demo-device.token"
    device = EdgeDevice.objects.filter(clinic=clinic, name="chair1-pi").first()
    if device is None:
        issued = services.device_register(actor=admin, clinic=clinic, name="chair1-pi", chair=demo.chair)
        device, token = issued.device, issued.token
    elif not demo.device_token_file.exists() or device.is_revoked:
        if device.is_revoked:
            device.revoked_at = None
            device.save(update_fields=["revoked_at"])
        issued = services.device_rotate(actor=admin, device=device)
        token = issued.token
    else:
        token = None
    if token is not None:
        demo.device_token_file.parent.mkdir(parents=True, exist_ok=True)
        demo.device_token_file.write_text(token)
        demo.device_token_file.chmod(0o600)
    demo.device = device
    return demo
