"""A small but complete clinic A (and a clinic B beside it) with one object of every kind a route
can name, built through the product's services, plus the people of every role.

Identifying strings are deliberately unusual words, so a leak shows up as a plain substring of a
response body (``World.secrets``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.harness.people import make_patient, make_user

ROLES = (
    "anonymous",
    "patient",
    "other_patient",
    "therapist",
    "other_clinic_therapist",
    "admin",
    "other_clinic_admin",
    "device",
    "revoked_device",
)

# Words of clinic A that no one outside may see, by the object they name.
SECRET = {
    "patient": ["Zephyrine", "Quillfeather", "SEC-A-4471", "zephyrine.q@a.test"],
    "member": ["Vantongeren", "theo.vantongeren@a.test"],
    "device": ["pi-marigold-7"],
    "chair": ["Marigold Chair"],
    "exercise": ["Wisteria cheek lift"],
    "program": ["Juniper program"],
    "template": ["Larkspur template"],
    "goal": ["Tamarind goal"],
    "appointment": ["Saffron room"],
    "treatment": ["Cardamom procedure"],
    "toxin": ["Bergamot toxin"],
    "evaluation": ["Nutmeg observation"],
}


def jpeg(width: int = 640, height: int = 480, color=(180, 140, 120)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def face_jpeg() -> bytes:
    """A real face at rest (the portrait the media tests use), as JPEG bytes."""
    from tests.media.conftest import standard_set

    return standard_set()["rest"]


@dataclass
class World:
    clinic_a: Any
    clinic_b: Any
    users: dict[str, Any]  # role -> User (session roles only)
    device_tokens: dict[str, str]  # "device"/"revoked_device" -> bearer token
    objects: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.objects[name]
        except KeyError:
            raise AttributeError(name) from None


def build_world() -> World:
    from clinic import services as clinic_services
    from clinic.models import ApiToken, Chair, Clinic
    from patients.evaluations.services import evaluation_create, evaluation_update
    from patients.media.services import grading_start, media_upload
    from patients.models import AssetGrading
    from patients.questionnaires.services import questionnaire_assign
    from patients.services import consent_record, toxin_injection_record, treatment_record
    from sessions.followup.services import appointment_create, followup_goal_add, followup_plan_save
    from sessions.models import ProgramTemplate, ReleaseDay
    from sessions.programs import services as programs
    from tests.patients.conftest import make_signed

    clinic_a = Clinic.objects.create(name="Harbourside Facial Clinic", slug="sec-clinic-a")
    clinic_b = Clinic.objects.create(name="Northgate Face Centre", slug="sec-clinic-b")

    admin_a = make_user(clinic_a, "alma.admin@a.test", "admin", first_name="Alma", last_name="Admin")
    therapist_a = make_user(clinic_a, "tess.ot@a.test", "therapist", first_name="Tess", last_name="Okoro")
    member = make_user(clinic_a, "theo.vantongeren@a.test", "therapist", first_name="Theo", last_name="Vantongeren")
    admin_b = make_user(clinic_b, "bea.admin@b.test", "admin", first_name="Bea", last_name="Admin")
    therapist_b = make_user(clinic_b, "carl.ot@b.test", "therapist", first_name="Carl", last_name="Byrne")
    patient = make_patient(
        clinic_a,
        "zephyrine.q@a.test",
        "Zephyrine",
        "Quillfeather",
        record_number="SEC-A-4471",
        stage=2,
        care_team=[therapist_a],
    )
    other_patient = make_patient(
        clinic_a, "otto.b@a.test", "Ottoline", "Brackenbury", record_number="SEC-A-0002", care_team=[member]
    )
    make_patient(clinic_b, "pia.b@b.test", "Pia", "Bee", record_number="SEC-B-0001", care_team=[therapist_b])

    today = timezone.localdate()
    chair = Chair.objects.create(clinic=clinic_a, name="Marigold Chair")
    issued = clinic_services.device_register(actor=admin_a, clinic=clinic_a, name="pi-marigold-7", chair=chair)
    revoked = clinic_services.device_register(actor=admin_a, clinic=clinic_a, name="pi-revoked-2", chair=None)
    clinic_services.device_revoke(actor=admin_a, device=revoked.device)

    consent = consent_record(actor=therapist_a, patient=patient, kind="photography", granted=True, given_on=today)
    consent_record(actor=therapist_a, patient=patient, kind="treatment", granted=True, given_on=today)
    toxin = toxin_injection_record(
        actor=therapist_a,
        patient=patient,
        given_on=today - timedelta(days=20),
        product="Bergamot toxin",
        sites=[{"muscle": "orbicularis_oculi", "side": "right", "units": 2.5}],
    )
    treatment = treatment_record(
        actor=therapist_a,
        patient=patient,
        kind="surgery",
        performed_on=today - timedelta(days=40),
        title="Cardamom procedure",
    )
    evaluation = evaluation_create(actor=therapist_a, patient=patient, performed_on=today - timedelta(days=1))
    evaluation = evaluation_update(actor=therapist_a, evaluation=evaluation, notes="Nutmeg observation")
    asset = media_upload(
        actor=therapist_a,
        evaluation=evaluation,
        view="rest",
        upload=SimpleUploadedFile("rest.jpg", face_jpeg(), content_type="image/jpeg"),
    )
    run = grading_start(actor=therapist_a, evaluation=evaluation)
    result = AssetGrading.objects.filter(run=run, asset=asset).first() or AssetGrading.objects.create(
        run=run, asset=asset
    )
    result.overlay.save("overlay.jpg", ContentFile(jpeg(64, 64)), save=True)
    signed_evaluation = make_signed(therapist_a, patient, days_ago=30, voluntary=2, synkinesis=0, dynamic=20, hb=4)
    assignment = questionnaire_assign(actor=therapist_a, patient=patient, instrument="saq")

    exercise = programs.exercise_create(
        actor=therapist_a,
        clinic=clinic_a,
        title="Wisteria cheek lift",
        category="emotion",
        kind="awareness",
        area="midface",
        steps=["Breathe in.", "Imagine a slow smile."],
        stages=[1, 2, 3, 4],
    )
    exercise_media = programs.exercise_media_add(
        actor=therapist_a,
        exercise=exercise,
        upload=SimpleUploadedFile("demo.jpg", jpeg(320, 240), content_type="image/jpeg"),
        caption="Wisteria picture",
    )
    program = programs.program_create(
        actor=therapist_a, patient=patient, title="Juniper program", start_date=today, end_date=today + timedelta(30)
    )
    item = programs.program_item_add(actor=therapist_a, program=program, exercise=exercise)
    programs.program_activate(actor=therapist_a, program=program)
    program.refresh_from_db()
    # Only a completed program becomes a template through the service; the patient's program stays active.
    template = ProgramTemplate.objects.create(clinic=clinic_a, name="Larkspur template", author=therapist_a)
    release_day = ReleaseDay.objects.create(patient=patient, program=program, date=today, tightness=8, threshold=6)

    followup_plan_save(actor=therapist_a, patient=patient)
    goal = followup_goal_add(actor=therapist_a, patient=patient, description="Tamarind goal")
    appointment = appointment_create(
        actor=therapist_a,
        patient=patient,
        starts_at=timezone.make_aware(datetime.combine(today + timedelta(days=3), datetime.min.time()))
        + timedelta(hours=10),
        location="Saffron room",
    )
    from sessions.biofeedback import services as biofeedback

    bio_session = biofeedback.biofeedback_session_start(
        actor=therapist_a,
        patient=patient,
        chair=chair,
        protocol="symmetry",
        sites=[{"muscle": "zygomaticus_major", "side": "left"}, {"muscle": "zygomaticus_major", "side": "right"}],
    )
    bio_trial = biofeedback.biofeedback_trial_start(
        actor=therapist_a, session=bio_session, prompt="Smile", emotional_cue="Think of Quince", sample_start=0
    )
    api_token, _plain = clinic_services.api_token_create(user=therapist_a, name="Script of Tess")
    api_token_other, _plain = clinic_services.api_token_create(user=member, name="Script of Theo")

    users = {
        "patient": patient.user,
        "other_patient": other_patient.user,
        "therapist": therapist_a,
        "other_clinic_therapist": therapist_b,
        "admin": admin_a,
        "other_clinic_admin": admin_b,
    }
    objects = {
        "patient": patient,
        "other_patient": other_patient,
        "member": member,
        "chair": chair,
        "device": issued.device,
        "revoked_device": revoked.device,
        "consent": consent,
        "toxin": toxin,
        "treatment": treatment,
        "evaluation": evaluation,
        "signed_evaluation": signed_evaluation,
        "asset": asset,
        "run": run,
        "result": result,
        "assignment": assignment,
        "exercise": exercise,
        "exercise_media": exercise_media,
        "program": program,
        "item": item,
        "template": template,
        "release_day": release_day,
        "goal": goal,
        "appointment": appointment,
        "api_token": api_token,
        "bio_session": bio_session,
        "bio_trial": bio_trial,
        "api_token_other": api_token_other,
    }
    assert ApiToken.objects.filter(user=therapist_a).count() == 1
    return World(
        clinic_a=clinic_a,
        clinic_b=clinic_b,
        users=users,
        device_tokens={"device": issued.token, "revoked_device": revoked.token},
        objects=objects,
        extra={"today": today, "date": date},
    )
