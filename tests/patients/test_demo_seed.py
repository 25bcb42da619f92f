"""The demo seeder gives every demo patient evaluations over time and Jordan completed questionnaires;
it can run twice; the demo patient's FHIR export validates."""

from __future__ import annotations

from fhir.resources.R4B.bundle import Bundle

from clinic.demo import seed_people
from patients.demo import seed_record_and_evaluations
from patients.models import Evaluation, Patient, QuestionnaireAssignment


def test_the_demo_has_evaluations_over_time_and_jordans_questionnaires(db, api_client):
    demo = seed_people()
    seed_record_and_evaluations(demo)
    counts = {p.record_number: p.evaluations.filter(status="completed").count() for p in Patient.objects.all()}
    assert all(count >= 2 for count in counts.values()), counts
    jordan = Patient.objects.get(user__username="jordan@patients.demo")
    done = jordan.questionnaires.filter(status=QuestionnaireAssignment.Status.COMPLETED)
    assert {"face", "saq"} <= set(done.values_list("instrument", flat=True))
    assert jordan.questionnaires.filter(status="pending").exists()
    composite = [
        e.scale("sunnybrook").scores["composite"]
        for e in jordan.evaluations.filter(status="completed").order_by("performed_on")
    ]
    assert composite == sorted(composite) and composite[0] < composite[-1]  # recovering

    before = (Evaluation.objects.count(), QuestionnaireAssignment.objects.count())
    seed_record_and_evaluations(demo)
    assert (Evaluation.objects.count(), QuestionnaireAssignment.objects.count()) == before

    api_client.force_authenticate(demo.therapists[0])
    body = api_client.get(f"/api/v1/patients/{jordan.pk}/fhir/").json()
    Bundle.model_validate(body)
    assert sum(1 for e in body["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse") >= 2
