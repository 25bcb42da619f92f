from __future__ import annotations

from django.utils import timezone

PASSWORD = "correct-horse-battery-42"


def make_user(
    clinic,
    email: str,
    role: str,
    *,
    first_name: str = "",
    last_name: str = "",
    title: str = "",
    password: str = PASSWORD,
):
    from clinic.models import User

    user = User(
        username=email,
        email=email,
        first_name=first_name,
        last_name=last_name,
        clinic=clinic,
        role=role,
        title=title,
        activated_at=timezone.now(),
    )
    user.set_password(password)
    user.save()
    return user


def make_patient(
    clinic,
    email: str,
    first_name: str,
    last_name: str,
    *,
    record_number: str,
    stage: int = 2,
    care_team=(),
    affected_side: str = "left",
    etiology: str = "bells_palsy",
    portal: bool = True,
):
    from patients.models import Patient

    user = make_user(clinic, email, "patient", first_name=first_name, last_name=last_name) if portal else None
    patient = Patient.objects.create(
        clinic=clinic,
        user=user,
        record_number=record_number,
        first_name=first_name,
        last_name=last_name,
        stage=stage,
        affected_side=affected_side,
        etiology=etiology,
    )
    patient.care_team.set(care_team)
    return patient
