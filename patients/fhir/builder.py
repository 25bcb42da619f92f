"""Build a FHIR R4B Bundle of one patient, or of one evaluation.

Resources of this area: Organization (the clinic), Patient, Practitioner, Condition (the palsy,
its cause and stage), Encounter (each evaluation), Observation (one per scale with components for
every score and item; one per questionnaire), QuestionnaireResponse, Procedure (toxin and
surgery). Other areas add theirs (CarePlan, ServiceRequest, Appointment, Media…) through
``FHIR_CONTRIBUTORS``: each is called with ``(patient, context)`` and returns resources whose
references come from the context (``context.patient_ref``, ``context.encounter_ref(evaluation)``…).

Every resource is validated by ``fhir.resources`` (R4B) as it is added, so an invalid contribution
fails loudly instead of producing a Bundle a receiver would reject.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from clinic.hooks import call_hooks
from clinic.models import User
from patients.fhir import codes
from patients.models import Evaluation, Patient, QuestionnaireAssignment
from patients.questionnaires.selectors import questionnaires_near
from patients.scales import SCALES
from patients.scales.questionnaires import INSTRUMENTS

NAMESPACE = uuid.UUID("6f0c5c2e-3a7b-4d0e-9a51-2f6f1f8b7c10")
GENDER = {"female": "female", "male": "male", "other": "other", "unknown": "unknown", "": "unknown"}


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass
class FhirContext:
    """What a contributor needs to reference this area's resources and add its own."""

    patient: Patient
    actor: User | None
    evaluation: Evaluation | None = None
    _practitioners: dict[int, User] = field(default_factory=dict)

    @property
    def canonical_base(self) -> str:
        return codes.canonical_base()

    @property
    def code_system(self) -> str:
        return codes.code_system_url()

    def resource_id(self, kind: str, key: Any) -> str:
        """A stable id: the same record gives the same id in every export."""
        return str(uuid.uuid5(NAMESPACE, f"{self.patient.clinic.slug}/{kind}/{key}"))

    def ref(self, kind: str, key: Any) -> str:
        return f"urn:uuid:{self.resource_id(kind, key)}"

    @property
    def patient_ref(self) -> str:
        return self.ref("Patient", self.patient.pk)

    @property
    def organization_ref(self) -> str:
        return self.ref("Organization", self.patient.clinic_id)

    @property
    def condition_ref(self) -> str:
        return self.ref("Condition", self.patient.pk)

    def practitioner_ref(self, user: User) -> str:
        """Reference a staff member; their Practitioner resource is added to the Bundle."""
        self._practitioners[user.pk] = user
        return self.ref("Practitioner", user.pk)

    def encounter_ref(self, evaluation: Evaluation) -> str:
        return self.ref("Encounter", f"evaluation-{evaluation.pk}")


class FhirBundleBuilder:
    def __init__(self, context: FhirContext):
        self.context = context
        self.entries: list[tuple[str, Any]] = []
        self._seen: set[str] = set()

    def add(self, resource: dict | Any) -> str:
        """Validate and add a resource (a dict or a fhir.resources model); returns its fullUrl."""
        if isinstance(resource, dict):
            model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        else:
            model = resource
        if not model.id:
            model.id = str(uuid.uuid4())
        if _is_uuid(model.id):
            full_url = f"urn:uuid:{model.id}"
        else:
            full_url = f"{codes.canonical_base()}/{model.get_resource_type()}/{model.id}"
        if full_url in self._seen:
            return full_url
        self._seen.add(full_url)
        self.entries.append((full_url, model))
        return full_url

    def bundle(self) -> Bundle:
        return Bundle.model_validate(
            {
                "resourceType": "Bundle",
                "id": str(uuid.uuid4()),
                "type": "collection",
                "timestamp": timezone.now().isoformat(),
                "entry": [
                    {"fullUrl": url, "resource": model.model_dump(mode="json", exclude_none=True, by_alias=True)}
                    for url, model in self.entries
                ],
            }
        )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# --- Resources of this area --------------------------------------------------------------------------


def organization(ctx: FhirContext) -> dict:
    clinic = ctx.patient.clinic
    resource = {
        "resourceType": "Organization",
        "id": ctx.resource_id("Organization", clinic.pk),
        "identifier": [{"system": f"{ctx.canonical_base}/sid/clinic", "value": clinic.slug}],
        "active": True,
        "name": clinic.name,
    }
    telecom = [t for t in (("email", clinic.contact_email), ("phone", clinic.phone)) if t[1]]
    if telecom:
        resource["telecom"] = [{"system": system, "value": value} for system, value in telecom]
    return resource


def patient_resource(ctx: FhirContext) -> dict:
    patient = ctx.patient
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": ctx.resource_id("Patient", patient.pk),
        "identifier": [
            {
                "use": "usual",
                "type": {"text": "Clinic record number"},
                "system": f"{ctx.canonical_base}/sid/{patient.clinic.slug}/record-number",
                "value": patient.record_number,
            }
        ],
        "active": not patient.is_archived,
        "name": [{"use": "official", "family": patient.last_name, "given": [patient.first_name]}],
        "gender": GENDER.get(patient.sex, "unknown"),
        "managingOrganization": {"reference": ctx.organization_ref, "display": patient.clinic.name},
    }
    if patient.date_of_birth:
        resource["birthDate"] = patient.date_of_birth.isoformat()
    telecom = [t for t in (("email", patient.email), ("phone", patient.phone)) if t[1]]
    if telecom:
        resource["telecom"] = [{"system": system, "value": value} for system, value in telecom]
    care_team = list(patient.care_team.all())
    if care_team:
        resource["generalPractitioner"] = [
            {"reference": ctx.practitioner_ref(member), "display": member.display_name} for member in care_team
        ]
    return resource


def practitioner_resource(ctx: FhirContext, user: User) -> dict:
    resource: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": ctx.resource_id("Practitioner", user.pk),
        "identifier": [{"system": f"{ctx.canonical_base}/sid/{ctx.patient.clinic.slug}/staff", "value": str(user.pk)}],
        "active": user.is_active,
        "name": [{"family": user.last_name or user.username, "given": [user.first_name] if user.first_name else []}],
    }
    if not resource["name"][0]["given"]:
        del resource["name"][0]["given"]
    if user.email:
        resource["telecom"] = [{"system": "email", "value": user.email, "use": "work"}]
    if user.title:
        resource["qualification"] = [{"code": {"text": user.title}}]
    return resource


def condition_resource(ctx: FhirContext) -> dict:
    patient = ctx.patient
    code_codings = [codes.coding(f"etiology.{patient.etiology}")]
    if patient.etiology in codes.ETIOLOGY_ICD10:
        icd, display = codes.ETIOLOGY_ICD10[patient.etiology]
        code_codings.append({"system": codes.ICD10, "code": icd, "display": display})
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": ctx.resource_id("Condition", patient.pk),
        "clinicalStatus": {"coding": [{"system": codes.CONDITION_CLINICAL, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": codes.CONDITION_VERIFICATION, "code": "confirmed"}]},
        "category": [{"coding": [{"system": codes.CONDITION_CATEGORY, "code": "problem-list-item"}]}],
        "code": {
            "coding": code_codings,
            "text": f"Facial palsy: {patient.get_etiology_display()}"
            + (f" ({patient.etiology_detail})" if patient.etiology_detail else ""),
        },
        "bodySite": [{"text": f"Face, {patient.get_affected_side_display().lower()} side"}],
        "subject": {"reference": ctx.patient_ref},
        "stage": [
            {"summary": {"coding": [codes.coding(f"stage.{patient.stage}")], "text": patient.get_stage_display()}}
        ],
    }
    if patient.onset_date:
        resource["onsetDateTime"] = patient.onset_date.isoformat()
    if patient.history:
        resource["note"] = [{"text": patient.history}]
    return resource


def encounter_resource(ctx: FhirContext, evaluation: Evaluation) -> dict:
    return {
        "resourceType": "Encounter",
        "id": ctx.resource_id("Encounter", f"evaluation-{evaluation.pk}"),
        "status": "finished" if evaluation.is_locked else "in-progress",
        "class": {"system": codes.ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "type": [{"coding": [codes.coding(f"evaluation.{evaluation.kind}")], "text": evaluation.get_kind_display()}],
        "subject": {"reference": ctx.patient_ref},
        "participant": [
            {
                "individual": {
                    "reference": ctx.practitioner_ref(evaluation.clinician),
                    "display": evaluation.clinician.display_name,
                }
            }
        ],
        "period": {"start": evaluation.performed_on.isoformat(), "end": evaluation.performed_on.isoformat()},
        "reasonReference": [{"reference": ctx.condition_ref}],
        "serviceProvider": {"reference": ctx.organization_ref},
    }


def _value(scale: str, item, value) -> dict:
    if item.kind == "choice":
        option = item.option(value)
        label = option.label if option else str(value)
        return {"valueCodeableConcept": {"coding": [codes.coding(f"{scale}.{item.code}.{value}", label)]}}
    if item.kind == "integer":
        return {"valueInteger": int(value)}
    quantity = {"value": value}
    if item.unit == "mm":
        quantity.update({"unit": "mm", "system": "http://unitsofmeasure.org", "code": "mm"})
    else:
        quantity.update({"unit": "score"})
    return {"valueQuantity": quantity}


def _score_value(value) -> dict:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    return {"valueQuantity": {"value": value, "unit": "score"}}


MAIN_SCORE = {
    "house_brackmann": "grade",
    "sunnybrook": "composite",
    "eface": "total",
    "muscle_review": "weak_count",
    "sensation": "tightness",
}


def scale_observation(ctx: FhirContext, evaluation: Evaluation, entry) -> dict:
    module = SCALES[entry.scale]
    scores = entry.scores or {}
    amended = any(a.section == entry.scale for a in evaluation.amendments.all())
    status = ("amended" if amended else "final") if evaluation.is_locked else "preliminary"
    components = []
    for definition in module.SCORES:
        value = scores.get(definition["key"])
        if value is None:
            continue
        code = {"coding": [codes.coding(f"{entry.scale}.{definition['key']}")]}
        components.append({"code": code, **_score_value(value)})
    for item in module.ITEMS:
        value = entry.items.get(item.code)
        if value is None:
            continue
        components.append(
            {"code": {"coding": [codes.coding(f"{entry.scale}.{item.code}")]}, **_value(entry.scale, item, value)}
        )
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": ctx.resource_id("Observation", f"evaluation-{evaluation.pk}-{entry.scale}"),
        "status": status,
        "category": [{"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": "exam", "display": "Exam"}]}],
        "code": {"coding": [codes.coding(entry.scale)], "text": codes.SCALE_DISPLAY[entry.scale]},
        "subject": {"reference": ctx.patient_ref},
        "encounter": {"reference": ctx.encounter_ref(evaluation)},
        "effectiveDateTime": evaluation.performed_on.isoformat(),
        "performer": [{"reference": ctx.practitioner_ref(evaluation.clinician)}],
        "method": {"text": f"Scoring version {entry.scoring_version or module.VERSION}"},
        "bodySite": {"text": f"Face, {ctx.patient.get_affected_side_display().lower()} side affected"},
    }
    if evaluation.completed_at:
        resource["issued"] = evaluation.completed_at.isoformat()
    main = scores.get(MAIN_SCORE[entry.scale])
    if main is not None:
        resource.update(_score_value(main))
    if components:
        resource["component"] = components
    notes = []
    provisional = [key for key in module.PROVISIONAL if scores.get(key) is not None]
    if provisional:
        formulas = scores.get("formulas", {})
        notes.append(
            "Provisional scores (formula to be verified): "
            + "; ".join(f"{key}: {formulas.get(key, '')}" for key in provisional)
        )
    if not scores.get("complete"):
        notes.append("Not all items were graded: " + ", ".join(scores.get("missing", [])[:20]))
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource


def questionnaire_response(
    ctx: FhirContext, assignment: QuestionnaireAssignment, *, with_encounter: bool = False
) -> dict:
    instrument = INSTRUMENTS[assignment.instrument]
    items = []
    for question in instrument.questions:
        value = assignment.answers.get(question.code)
        if value is None:
            continue
        response = next((r for r in instrument.responses_for(question) if r.value == value), None)
        items.append(
            {
                "linkId": question.code,
                "text": question.text,
                "answer": [
                    {
                        "valueCoding": codes.coding(
                            codes.answer_code(instrument.code, question.responses, value),
                            response.label if response else str(value),
                        )
                    }
                ],
            }
        )
    author = ctx.patient_ref
    if assignment.source == QuestionnaireAssignment.Source.CLINIC and assignment.completed_by is not None:
        author = ctx.practitioner_ref(assignment.completed_by)
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": ctx.resource_id("QuestionnaireResponse", assignment.pk),
        "questionnaire": f"{codes.questionnaire_url(instrument.code)}|{instrument.version}",
        "status": "completed",
        "subject": {"reference": ctx.patient_ref},
        "authored": _iso(assignment.completed_at),
        "author": {"reference": author},
        "source": {"reference": ctx.patient_ref},
        "item": items,
    }
    if with_encounter and assignment.evaluation_id:
        resource["encounter"] = {"reference": ctx.encounter_ref(assignment.evaluation)}
    return resource


def questionnaire_observation(ctx: FhirContext, assignment: QuestionnaireAssignment, response_url: str) -> dict:
    instrument = INSTRUMENTS[assignment.instrument]
    scores = assignment.scores or {}
    components = [
        {"code": {"coding": [codes.coding(f"{instrument.code}.{d['key']}")]}, **_score_value(scores[d["key"]])}
        for d in instrument.scores
        if scores.get(d["key"]) is not None
    ]
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": ctx.resource_id("Observation", f"questionnaire-{assignment.pk}"),
        "status": "final",
        "category": [{"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": {"coding": [codes.coding(instrument.code)], "text": instrument.full_title},
        "subject": {"reference": ctx.patient_ref},
        "effectiveDateTime": _iso(assignment.completed_at),
        "derivedFrom": [{"reference": response_url}],
        "method": {"text": f"Scoring version {assignment.scoring_version}"},
        "component": components,
    }
    main = scores.get(instrument.scores[0]["key"])
    if main is not None:
        resource.update(_score_value(main))
    provisional = [key for key in instrument.provisional if scores.get(key) is not None]
    if provisional:
        resource["note"] = [{"text": "Provisional scores (to be verified): " + ", ".join(provisional)}]
    return resource


def procedures(ctx: FhirContext) -> list[dict]:
    patient = ctx.patient
    resources = []
    for injection in patient.toxin_injections.prefetch_related("sites"):
        sites = list(injection.sites.all())
        resources.append(
            {
                "resourceType": "Procedure",
                "id": ctx.resource_id("Procedure", f"toxin-{injection.pk}"),
                "status": "completed",
                "code": {"coding": [codes.coding("botulinum-toxin")], "text": f"Botulinum toxin ({injection.product})"},
                "subject": {"reference": ctx.patient_ref},
                "performedDateTime": injection.given_on.isoformat(),
                "bodySite": [
                    {"text": f"{site.get_muscle_display()}, {site.get_side_display().lower()}: {site.units} U"}
                    for site in sites
                ],
                "note": [{"text": f"Total {injection.total_units} U. {injection.notes}".strip()}],
            }
        )
    for treatment in patient.treatments.all():
        resources.append(
            {
                "resourceType": "Procedure",
                "id": ctx.resource_id("Procedure", f"treatment-{treatment.pk}"),
                "status": "completed",
                "category": {"text": treatment.get_kind_display()},
                "code": {"text": treatment.title},
                "subject": {"reference": ctx.patient_ref},
                "performedDateTime": treatment.performed_on.isoformat(),
                **({"bodySite": [{"text": f"{treatment.get_side_display()} side"}]} if treatment.side else {}),
                **({"note": [{"text": treatment.detail}]} if treatment.detail else {}),
            }
        )
    return resources


# --- Entry points -----------------------------------------------------------------------------------


def _evaluations(patient: Patient, only: Evaluation | None):
    """One evaluation (draft or signed) when asked for; otherwise the signed ones — drafts are work in progress."""
    queryset = patient.evaluations.select_related("clinician", "completed_by").prefetch_related("scales", "amendments")
    queryset = queryset.filter(pk=only.pk) if only is not None else queryset.filter(status=Evaluation.Status.COMPLETED)
    return list(queryset.order_by("performed_on", "pk"))


def build_bundle(patient: Patient, *, actor: User | None, evaluation: Evaluation | None = None) -> Bundle:
    """The Bundle of a whole patient record, or (``evaluation`` given) of that one evaluation."""
    ctx = FhirContext(patient=patient, actor=actor, evaluation=evaluation)
    builder = FhirBundleBuilder(ctx)
    builder.add(patient_resource(ctx))
    builder.add(organization(ctx))
    builder.add(condition_resource(ctx))
    included: set[int] = set()
    for item in _evaluations(patient, evaluation):
        included.add(item.pk)
        builder.add(encounter_resource(ctx, item))
        for entry in item.scales.all():
            if entry.items:
                builder.add(scale_observation(ctx, item, entry))
    if evaluation is None:
        assignments = list(
            patient.questionnaires.filter(status=QuestionnaireAssignment.Status.COMPLETED)
            .select_related("evaluation", "completed_by")
            .order_by("completed_at")
        )
        for resource in procedures(ctx):
            builder.add(resource)
    else:
        assignments = questionnaires_near(patient, evaluation)
    for assignment in assignments:
        with_encounter = assignment.evaluation_id in included
        url = builder.add(questionnaire_response(ctx, assignment, with_encounter=with_encounter))
        builder.add(questionnaire_observation(ctx, assignment, url))
    for resource in call_hooks("FHIR_CONTRIBUTORS", patient, ctx):
        builder.add(resource)
    # Practitioners last: every contributor may have referenced one.
    added: set[int] = set()
    while set(ctx._practitioners) - added:
        for pk in sorted(set(ctx._practitioners) - added):
            builder.add(practitioner_resource(ctx, ctx._practitioners[pk]))
            added.add(pk)
    return builder.bundle()


def bundle_json(bundle: Bundle) -> dict:
    return bundle.model_dump(mode="json", exclude_none=True, by_alias=True)
