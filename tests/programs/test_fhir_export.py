"""FHIR R4B: CarePlan + ServiceRequest per home program, Appointment per follow-up visit."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from clinic.hooks import hook_callables
from sessions.followup import services as followup
from tests.programs.helpers import active_program


def test_the_home_program_exports_as_a_careplan_with_service_requests(therapist_a, patient_a1):
    program = active_program(therapist_a, patient_a1, ["smile-happy-thought", "scalp-glide"])
    followup.appointment_create(actor=therapist_a, patient=patient_a1, starts_at=timezone.now() + timedelta(days=2))
    # This area's contributors, called as the hook list calls them (here without a Bundle builder).
    resources = [
        resource
        for contributor in hook_callables("FHIR_CONTRIBUTORS")
        if contributor.__module__.startswith("sessions.")
        for resource in contributor(patient_a1, {"patient_reference": "Patient/abc"})
    ]
    by_type: dict[str, list] = {}
    for resource in resources:
        by_type.setdefault(resource.__resource_type__, []).append(resource)
    (care_plan,) = by_type["CarePlan"]
    assert care_plan.status == "active" and care_plan.intent == "plan"
    assert care_plan.subject.reference == "Patient/abc"
    requests = {f"ServiceRequest/{r.id}": r for r in by_type["ServiceRequest"]}
    assert {a.reference.reference for a in care_plan.activity} == set(requests)
    smile = next(r for r in requests.values() if r.code.text == "Happy-thought smile")
    assert smile.occurrenceTiming.repeat.frequency == 2 and smile.occurrenceTiming.repeat.periodUnit == "d"
    assert "happy" in smile.patientInstruction
    (appointment,) = by_type["Appointment"]
    assert appointment.status == "booked" and appointment.participant[0].actor.reference == "Patient/abc"
    # The resources round-trip through a valid R4B Bundle.
    bundle = Bundle(type="collection", entry=[{"resource": r} for r in resources])
    assert Bundle.model_validate_json(bundle.model_dump_json()).entry[0].resource.__resource_type__ == "CarePlan"
    assert program.pk


def test_the_patient_bundle_carries_the_home_program_with_resolvable_references(therapist_a, patient_a1):
    from patients.fhir.builder import build_bundle

    active_program(therapist_a, patient_a1, ["smile-happy-thought", "scalp-glide"])
    followup.appointment_create(actor=therapist_a, patient=patient_a1, starts_at=timezone.now() + timedelta(days=2))
    bundle = build_bundle(patient_a1, actor=therapist_a)
    urls = {entry.fullUrl for entry in bundle.entry}
    by_type: dict[str, list] = {}
    for entry in bundle.entry:
        by_type.setdefault(entry.resource.__resource_type__, []).append(entry.resource)
    (care_plan,) = by_type["CarePlan"]
    assert len(by_type["ServiceRequest"]) == 2 and len(by_type["Appointment"]) == 1
    # Every reference our resources make resolves inside the Bundle.
    assert care_plan.subject.reference in urls and care_plan.author.reference in urls
    assert all(a.reference.reference in urls for a in care_plan.activity)
    assert all(r.requester.reference in urls for r in by_type["ServiceRequest"])
    assert all(p.actor.reference in urls for p in by_type["Appointment"][0].participant)
