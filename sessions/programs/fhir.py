"""FHIR R4B export of home programs: a CarePlan per program, a ServiceRequest per exercise."""

from __future__ import annotations

from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.servicerequest import ServiceRequest

from sessions.models import Program
from sessions.programs import schedule

STATUS = {"draft": "draft", "active": "active", "completed": "completed", "discontinued": "revoked"}


class Refs:
    """References and ids from the Bundle builder's context (patients.fhir.builder.FhirContext), so our
    resources point at its Patient and Practitioners; plain ``Kind/id`` references without one."""

    def __init__(self, patient, context) -> None:
        self.patient_pk = patient.pk
        self.context = context

    @property
    def _builder(self) -> bool:
        return hasattr(self.context, "patient_ref") and hasattr(self.context, "resource_id")

    def patient(self) -> str:
        if self._builder:
            return self.context.patient_ref
        if isinstance(self.context, dict) and self.context.get("patient_reference"):
            return self.context["patient_reference"]
        return f"Patient/{self.patient_pk}"

    def practitioner(self, user) -> dict:
        reference = self.context.practitioner_ref(user) if self._builder else f"Practitioner/{user.pk}"
        return {"reference": reference, "display": user.display_name}

    def id(self, kind: str, key) -> str:
        return self.context.resource_id(kind, key) if self._builder else f"{kind.lower()}-{key}"

    def ref(self, kind: str, key) -> str:
        return self.context.ref(kind, key) if self._builder else f"{kind}/{self.id(kind, key)}"


def program_resources(patient, context=None) -> list:
    refs = Refs(patient, context)
    subject = {"reference": refs.patient()}
    resources: list = []
    for program in (
        Program.objects.filter(patient=patient).exclude(status=Program.Status.DRAFT).select_related("author")
    ):
        period = {"start": program.start_date.isoformat()}
        if program.end_date:
            period["end"] = program.end_date.isoformat()
        activities = []
        for item in program.items.select_related("version"):
            dose = schedule.dose_of(item)
            version = item.version
            request_key = f"home-exercise-{item.pk}"
            instruction = " ".join(version.steps)
            if version.emotional_cue:
                instruction += f" Feeling: {version.emotional_cue}"
            service_request = ServiceRequest(
                id=refs.id("ServiceRequest", request_key),
                status=STATUS[program.status],
                intent="order",
                category=[{"text": version.get_category_display()}],
                code={"text": version.title},
                subject=subject,
                requester=refs.practitioner(program.author),
                occurrenceTiming={
                    "repeat": {
                        "frequency": dose.times_per_day,
                        "period": 1,
                        "periodUnit": "d",
                        "boundsPeriod": period,
                    }
                },
                patientInstruction=instruction,
                note=[{"text": f"Dose: {dose.describe()}."}]
                + ([{"text": f"Stage override: {item.override_reason}"}] if item.override_reason else []),
                bodySite=[{"text": version.get_area_display()}],
            )
            resources.append(service_request)
            activities.append({"reference": {"reference": refs.ref("ServiceRequest", request_key)}})
        care_plan = CarePlan(
            id=refs.id("CarePlan", f"home-program-{program.pk}"),
            status=STATUS[program.status],
            intent="plan",
            title=program.title,
            description=program.message or "Home exercise program for facial neuromuscular retraining.",
            category=[{"text": "Home exercise program"}],
            subject=subject,
            period=period,
            author=refs.practitioner(program.author),
            activity=activities,
        )
        resources.insert(len(resources) - len(activities), care_plan)  # CarePlan before its requests
    return resources
