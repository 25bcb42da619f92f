"""The timeline gathers this area's events and other areas' (through the hook), newest first."""

from __future__ import annotations

from datetime import date

from patients import services as record_services
from patients.timeline import timeline_entries


def test_the_timeline_tells_the_story_newest_first(
    settings, client_of, therapist_a, patient_a1, two_signed_evaluations
):
    settings.PATIENT_TIMELINE_PROVIDERS = ["tests.patients.hooks_for_tests.session_timeline"]
    patient_a1.onset_date = date(2026, 1, 5)
    patient_a1.save()
    record_services.toxin_injection_record(
        actor=therapist_a,
        patient=patient_a1,
        given_on=date(2026, 2, 1),
        product="incobotulinumtoxinA",
        sites=[
            {"muscle": "mentalis", "side": "left", "units": "2.5"},
            {"muscle": "platysma", "side": "left", "units": 5},
        ],
    )
    entries = timeline_entries(patient_a1)
    kinds = [e["kind"] for e in entries]
    assert kinds[-1] == "onset"
    assert "emg_session" in kinds and "toxin" in kinds and kinds.count("evaluation") == 2
    toxin = next(e for e in entries if e["kind"] == "toxin")
    assert "7.5 U in 2 site(s)" in toxin["detail"]
    dates = [e["date"] for e in entries]
    assert dates == sorted(dates, reverse=True)
    html = client_of(therapist_a).get(f"/patients/{patient_a1.pk}/timeline/?kind=toxin").content.decode()
    assert "incobotulinumtoxinA" in html and "EMG biofeedback session" not in html


def test_the_timeline_api(api_client, therapist_a, patient_a1, two_signed_evaluations, therapist_b):
    api_client.force_authenticate(therapist_a)
    body = api_client.get(f"/api/v1/patients/{patient_a1.pk}/timeline/").json()
    assert body[0]["kind"] in {"evaluation", "stage"}
    api_client.force_authenticate(therapist_b)
    assert api_client.get(f"/api/v1/patients/{patient_a1.pk}/timeline/").status_code == 404
