"""Codes used in the FHIR export.

Standard code systems are used where one has the concept (observation categories, encounter class,
administrative gender, condition status, ICD-10 for Bell's palsy). Everything specific to facial
grading — the scales, their items and scores, the questionnaires and their answers, etiology and
recovery stage — is in the project's own CodeSystem, published at ``<FHIR_CANONICAL_BASE>/CodeSystem/
facial-assessment`` (served by the API) so a receiver can look each code up.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings

from patients.models import Etiology, Evaluation, RecoveryStage
from patients.scales import SCALES
from patients.scales.questionnaires import INSTRUMENTS

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
CODE_SYSTEM_ID = "facial-assessment"

SCALE_DISPLAY = {
    "house_brackmann": "House-Brackmann facial nerve grading",
    "sunnybrook": "Sunnybrook Facial Grading System",
    "eface": "eFACE clinician-graded facial function scale",
    "muscle_review": "Muscle-by-muscle review of the affected side",
    "sensation": "Facial sensation and symptoms",
}
# Standard codes where they exist (only ones we are sure of; everything else is local).
ETIOLOGY_ICD10 = {Etiology.BELLS_PALSY: ("G51.0", "Bell's palsy")}


def canonical_base() -> str:
    return settings.FHIR_CANONICAL_BASE


def code_system_url() -> str:
    return f"{canonical_base()}/CodeSystem/{CODE_SYSTEM_ID}"


def questionnaire_url(code: str) -> str:
    return f"{canonical_base()}/Questionnaire/{code}"


def coding(code: str, display: str | None = None) -> dict:
    concepts = concept_displays()
    result = {"system": code_system_url(), "code": code, "display": display or concepts.get(code, code)}
    return result


def answer_code(instrument: str, response_set: str, value: int) -> str:
    return f"{instrument}.answer.{response_set}.{value}"


@cache
def _concepts() -> tuple[tuple[str, str, str], ...]:
    """(code, display, definition) of every concept of the project's CodeSystem."""
    concepts: list[tuple[str, str, str]] = []
    for code, module in SCALES.items():
        concepts.append((code, SCALE_DISPLAY[code], f"{SCALE_DISPLAY[code]}; scoring version {module.VERSION}."))
        for score in module.SCORES:
            provisional = " Provisional formula." if score["key"] in module.PROVISIONAL else ""
            concepts.append(
                (
                    f"{code}.{score['key']}",
                    score["label"],
                    f"Score {score['minimum']}–{score['maximum']}, {score['better']} is better.{provisional}",
                )
            )
        for item in module.ITEMS:
            concepts.append((f"{code}.{item.code}", item.label, item.help or item.label))
            for option in item.options:
                concepts.append((f"{code}.{item.code}.{option.value}", option.label, option.help or option.label))
    for code, instrument in INSTRUMENTS.items():
        concepts.append((code, instrument.full_title, f"{instrument.full_title}; {instrument.citation}"))
        for score in instrument.scores:
            concepts.append((f"{code}.{score['key']}", score["label"], f"Score {score['minimum']}–{score['maximum']}."))
        for set_name, responses in instrument.response_sets.items():
            for response in responses:
                concepts.append((answer_code(code, set_name, response.value), response.label, response.label))
    for value, label in Evaluation.Kind.choices:
        concepts.append((f"evaluation.{value}", label, label))
    for value, label in Etiology.choices:
        concepts.append((f"etiology.{value}", label, f"Cause of the facial palsy: {label}."))
    for value, label in RecoveryStage.choices:
        concepts.append((f"stage.{value}", label, f"Recovery stage {label}."))
    concepts.append(("botulinum-toxin", "Botulinum toxin injection", "Botulinum toxin injected into facial muscles."))
    # Duplicate codes would make the CodeSystem invalid; keep the first of each.
    seen: set[str] = set()
    unique = []
    for concept in concepts:
        if concept[0] not in seen:
            seen.add(concept[0])
            unique.append(concept)
    return tuple(unique)


@cache
def concept_displays() -> dict[str, str]:
    return {code: display for code, display, _definition in _concepts()}


def code_system_resource() -> dict:
    versions = sorted({m.VERSION for m in SCALES.values()} | {i.version for i in INSTRUMENTS.values()})
    return {
        "resourceType": "CodeSystem",
        "id": CODE_SYSTEM_ID,
        "url": code_system_url(),
        "version": "+".join(versions),
        "name": "RetrainFacialAssessment",
        "title": "Retrain facial assessment codes",
        "status": "active",
        "experimental": False,
        "publisher": "Retrain",
        "description": (
            "Scales, items, scores and answers used by Retrain for facial palsy assessment: House-Brackmann, "
            "Sunnybrook, eFACE, muscle review, sensation, and the SAQ, FaCE and FDI questionnaires. Scores "
            "marked provisional use formulas still to be verified against their publications."
        ),
        "caseSensitive": True,
        "content": "complete",
        "count": len(_concepts()),
        "concept": [
            {"code": code, "display": display, "definition": definition} for code, display, definition in _concepts()
        ],
    }


def questionnaire_resource(code: str) -> dict:
    """The published definition of one questionnaire, with our paraphrased item texts."""
    instrument = INSTRUMENTS[code]
    return {
        "resourceType": "Questionnaire",
        "id": code,
        "url": questionnaire_url(code),
        "version": instrument.version,
        "name": instrument.full_title.replace(" ", "").replace("-", ""),
        "title": f"{instrument.full_title} (paraphrased items)",
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": "Retrain",
        "description": f"{instrument.citation} {instrument.instructions}",
        "item": [
            {
                "linkId": question.code,
                "text": question.text,
                "type": "choice",
                "required": True,
                "answerOption": [
                    {"valueCoding": coding(answer_code(code, question.responses, response.value), response.label)}
                    for response in instrument.responses_for(question)
                ],
            }
            for question in instrument.questions
        ],
    }
