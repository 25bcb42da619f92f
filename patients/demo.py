"""Demo data of this area: consents, evaluations over time for every demo patient (so progress charts
mean something), questionnaires for Jordan, and toxin and surgery entries. Idempotent: a patient that
already has evaluations is left alone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from patients import services as record_services
from patients.evaluations import services as evaluation_services
from patients.models import Consent, Evaluation, Patient, QuestionnaireAssignment
from patients.questionnaires import services as questionnaire_services
from patients.scales import eface as eface_scale
from patients.scales import sunnybrook
from patients.scales.questionnaires import FACE, SAQ

# (days after onset, recovery 0–1, synkinesis 0–1) per record number. Recovery 0 is a flaccid face.
TRAJECTORIES: dict[str, list[tuple[int, float, float]]] = {
    "RT-1001": [(12, 0.12, 0.0), (40, 0.32, 0.04), (78, 0.55, 0.14)],
    "RT-1002": [(18, 0.08, 0.0), (120, 0.45, 0.32), (240, 0.6, 0.52), (335, 0.7, 0.42)],
    "RT-1003": [(9, 0.04, 0.0), (30, 0.08, 0.0)],
    "RT-1004": [(420, 0.58, 0.62), (700, 0.66, 0.55), (930, 0.72, 0.48)],
    "RT-1005": [(-540, 0.48, 0.2), (-360, 0.5, 0.2), (-180, 0.53, 0.18), (-40, 0.55, 0.18)],
    "RT-1006": [(480, 0.74, 0.42), (800, 0.8, 0.36), (1120, 0.83, 0.3)],
    "RT-1007": [(21, 0.42, 0.0), (75, 0.55, 0.05), (140, 0.66, 0.1)],
}
# How strongly each Sunnybrook expression shows synkinesis (eye closure and smile the most).
SYNKINESIS_WEIGHT = {
    "brow_lift": 0.4,
    "gentle_eye_closure": 1.0,
    "open_mouth_smile": 1.0,
    "snarl": 0.7,
    "lip_pucker": 0.8,
}
EXPRESSION_OFFSET = {
    "brow_lift": -0.08,
    "gentle_eye_closure": 0.1,
    "open_mouth_smile": 0.0,
    "snarl": -0.04,
    "lip_pucker": 0.03,
}


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def hb_grade(recovery: float, synkinesis: float) -> int:
    grade = 6 if recovery < 0.1 else 5 if recovery < 0.3 else 4 if recovery < 0.5 else 3 if recovery < 0.75 else 2
    if recovery >= 0.95 and synkinesis < 0.05:
        grade = 1
    if synkinesis >= 0.4:
        grade = max(grade, 3)
    return grade


def sunnybrook_items(r: float, k: float) -> dict:
    items = {
        "rest_eye": "normal" if r > 0.85 and k < 0.2 else ("narrow" if k >= 0.3 else "wide"),
        "rest_cheek": "normal"
        if r > 0.85
        else ("absent" if r < 0.25 else "more_pronounced" if k >= 0.45 else "less_pronounced"),
        "rest_mouth": "normal" if r > 0.85 else ("corner_pulled" if k >= 0.5 else "corner_dropped"),
    }
    for code, _label, _muscles in sunnybrook.EXPRESSIONS:
        items[f"voluntary_{code}"] = int(round(_clamp(1 + 4 * (r + EXPRESSION_OFFSET[code]), 1, 5)))
        items[f"synkinesis_{code}"] = int(round(_clamp(3 * k * SYNKINESIS_WEIGHT[code] * 1.3, 0, 3)))
    return items


def eface_items(r: float, k: float) -> dict:
    lack = 1 - r
    items = {
        "brow_rest": round(_clamp(100 - 38 * lack, 0, 200)),
        "palpebral_fissure_rest": round(_clamp(100 - 30 * lack + 55 * k, 0, 200)),
        "nasolabial_fold_rest": round(_clamp(100 - 60 * lack + 35 * k, 0, 200)),
        "oral_commissure_rest": round(_clamp(100 - 35 * lack + 25 * k, 0, 200)),
    }
    for code, offset in (
        ("brow_elevation", -0.1),
        ("gentle_eye_closure", 0.15),
        ("full_eye_closure", 0.2),
        ("oral_commissure_smile", 0.0),
        ("nasolabial_fold_depth_smile", -0.02),
        ("nasolabial_fold_orientation_smile", 0.02),
        ("lower_lip_eee", 0.05 - 0.3 * k),
    ):
        items[code] = round(_clamp(100 * (r + offset), 0, 100))
    for code, weight in (("ocular", 1.0), ("midfacial", 0.8), ("mentalis", 0.6), ("platysmal", 0.7)):
        items[f"{code}_synkinesis"] = round(_clamp(100 - 100 * k * weight, 0, 100))
    assert set(items) == set(eface_scale.ITEMS_BY_CODE)
    return items


def muscle_items(r: float, k: float) -> dict:
    movement = int(round(_clamp(4 * r, 0, 4)))
    tone = "low" if r < 0.3 else ("high" if k >= 0.35 else "normal")
    synk = "none" if k < 0.1 else "mild" if k < 0.3 else "moderate" if k < 0.55 else "severe"
    return {
        "frontalis.movement": max(0, movement - 1),
        "orbicularis_oculi.movement": movement,
        "orbicularis_oculi.tone": tone,
        "orbicularis_oculi.synkinesis": synk,
        "zygomaticus_major.movement": movement,
        "zygomaticus_major.tone": tone,
        "depressor_anguli_oris.movement": movement,
        "mentalis.synkinesis": "none" if k < 0.2 else "mild" if k < 0.45 else "moderate",
        "platysma.synkinesis": "none" if k < 0.25 else "mild" if k < 0.5 else "moderate",
    }


def sensation_items(r: float, k: float) -> dict:
    return {
        "touch_forehead": "normal",
        "touch_cheek": "normal",
        "touch_jaw": "normal",
        "taste": "altered" if r < 0.4 else "normal",
        "eye_dryness": "moderate" if r < 0.3 else "mild" if r < 0.6 else "none",
        "lagophthalmos_mm": round(_clamp(8 * (1 - r) - 2, 0, 15) * 2) / 2,
        "tightness": int(round(_clamp(9 * k, 0, 10))),
        "pain": 1 if k > 0.3 else 0,
    }


def _note(r: float, k: float) -> str:
    if r < 0.15:
        return "Little or no movement on the affected side. Eye care reviewed; gentle massage and foundation work only."
    if k < 0.15:
        return "Movement returning. Small, slow, symmetric movements paired with emotion; watch for early synkinesis."
    if k < 0.45:
        return (
            "Synkinesis emerging around the eye with smiling. Start inhibition work with EMG feedback; "
            "release the cheek."
        )
    return (
        "Established synkinesis with tightness. Release and lengthening first, isolated movements, "
        "review with the injector."
    )


def _when(patient: Patient, days: int, today: date) -> date:
    base = patient.onset_date if (patient.onset_date and days >= 0) else today
    return min(base + timedelta(days=days), today - timedelta(days=1))


def _seed_evaluations(patient: Patient, therapist, today: date) -> list[Evaluation]:
    created = []
    last_day = None
    for index, (days, r, k) in enumerate(TRAJECTORIES.get(patient.record_number, [])):
        day = _when(patient, days, today)
        if last_day is not None and day <= last_day:
            continue
        last_day = day
        evaluation = evaluation_services.evaluation_create(
            actor=therapist,
            patient=patient,
            performed_on=day,
            kind=Evaluation.Kind.INITIAL if index == 0 else Evaluation.Kind.FOLLOW_UP,
        )
        for scale, items in (
            ("house_brackmann", {"grade": hb_grade(r, k)}),
            ("sunnybrook", sunnybrook_items(r, k)),
            ("eface", eface_items(r, k)),
            ("muscle_review", muscle_items(r, k)),
            ("sensation", sensation_items(r, k)),
        ):
            evaluation_services.evaluation_set_scale_items(
                actor=therapist, evaluation=evaluation, scale=scale, items=items
            )
        evaluation_services.evaluation_update(actor=therapist, evaluation=evaluation, notes=_note(r, k))
        evaluation_services.evaluation_complete(actor=therapist, evaluation=evaluation)
        created.append(evaluation)
    return created


def _face_answers(quality: float) -> dict:
    answers = {}
    for number, question in enumerate(FACE.questions):
        coded = int(round(_clamp(1 + 4 * quality + (0.6 if number % 4 == 0 else -0.3 if number % 3 == 0 else 0), 1, 5)))
        answers[question.code] = 6 - coded if question.reverse else coded
    return answers


def _saq_answers(synkinesis: float) -> dict:
    return {
        q.code: int(round(_clamp(1 + 4 * synkinesis + (0.5 if i in (0, 4) else 0), 1, 5)))
        for i, q in enumerate(SAQ.questions)
    }


def _backdate(assignment: QuestionnaireAssignment, day: date) -> None:
    # Demo history only: the service stamps "now"; the charts need the days these would have been filled.
    moment = datetime.combine(day, time(18, 30), tzinfo=UTC)
    QuestionnaireAssignment.objects.filter(pk=assignment.pk).update(
        completed_at=moment, assigned_at=moment - timedelta(days=3), due_on=day + timedelta(days=1)
    )


def _seed_jordan_questionnaires(patient: Patient, therapist, evaluations: list[Evaluation], today: date) -> None:
    if patient.questionnaires.exists() or patient.user is None:
        return
    for evaluation, quality, synkinesis in zip(evaluations, (0.25, 0.45, 0.62), (0.05, 0.12, 0.22), strict=False):
        for instrument, answers in (("face", _face_answers(quality)), ("saq", _saq_answers(synkinesis))):
            assignment = questionnaire_services.questionnaire_assign(
                actor=therapist, patient=patient, instrument=instrument, evaluation=evaluation
            )
            questionnaire_services.questionnaire_submit(actor=patient.user, assignment=assignment, answers=answers)
            _backdate(assignment, evaluation.performed_on - timedelta(days=1))
    questionnaire_services.questionnaire_assign(
        actor=therapist,
        patient=patient,
        instrument="fdi",
        due_on=today + timedelta(days=3),
        message="Before your next visit, please.",
    )
    questionnaire_services.questionnaire_assign(
        actor=therapist, patient=patient, instrument="face", due_on=today + timedelta(days=3)
    )


def _seed_treatments(patient: Patient, therapist, today: date) -> None:
    if patient.toxin_injections.exists() or patient.treatments.exists():
        return
    side = patient.affected_side if patient.affected_side in ("left", "right") else "left"
    other = "right" if side == "left" else "left"
    if patient.record_number == "RT-1002":
        for days, units in ((250, 2.5), (340, 3.0)):
            record_services.toxin_injection_record(
                actor=therapist,
                patient=patient,
                given_on=_when(patient, days, today),
                product="onabotulinumtoxinA",
                injector="Facial plastics clinic",
                sites=[
                    {"muscle": "orbicularis_oculi", "side": side, "units": units},
                    {"muscle": "mentalis", "side": side, "units": 2.5},
                    {"muscle": "platysma", "side": side, "units": 5},
                    {"muscle": "depressor_anguli_oris", "side": other, "units": 2},
                ],
                notes="Synkinetic eye narrowing with smile; contralateral DAO to balance the lower lip.",
            )
    if patient.record_number == "RT-1004":
        record_services.treatment_record(
            actor=therapist,
            patient=patient,
            kind="surgery",
            performed_on=_when(patient, 30, today),
            title="Facial nerve repair after temporal bone fracture",
            side=side,
        )
    if patient.record_number == "RT-1006":
        record_services.treatment_record(
            actor=therapist,
            patient=patient,
            kind="surgery",
            performed_on=_when(patient, 60, today),
            title="Upper eyelid gold weight",
            side=side,
            detail="For incomplete eye closure; removed once closure recovered.",
        )


@transaction.atomic
def seed_record_and_evaluations(demo) -> None:
    today = timezone.localdate()
    for patient in demo.patients:
        patient.refresh_from_db()
        therapist = patient.care_team.first() or demo.therapists[0]
        if not Consent.objects.filter(patient=patient).exists():
            first = _when(patient, TRAJECTORIES.get(patient.record_number, [(0, 0, 0)])[0][0], today)
            for kind in (Consent.Kind.TREATMENT, Consent.Kind.PHOTOGRAPHY, Consent.Kind.EMG, Consent.Kind.ELECTRONIC):
                record_services.consent_record(
                    actor=therapist, patient=patient, kind=kind, granted=True, given_on=first
                )
        if patient.evaluations.exists():
            continue
        evaluations = _seed_evaluations(patient, therapist, today)
        if patient.record_number == "RT-1002" and len(evaluations) > 1:
            evaluation_services.evaluation_set_scale_items(
                actor=therapist,
                evaluation=evaluations[1],
                scale="eface",
                items={"ocular_synkinesis": 62},
                reason="Re-graded from the video: the eye narrowing with smile was milder than first recorded.",
            )
        if patient.record_number == "RT-1001":
            _seed_jordan_questionnaires(patient, therapist, evaluations, today)
        _seed_treatments(patient, therapist, today)
