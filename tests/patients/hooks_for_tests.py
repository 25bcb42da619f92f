"""Stand-ins for other areas' hooks: what a photo-grading, EMG or home-program area would register."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone


def emg_symmetry_series(patient) -> list[dict]:
    today = timezone.localdate()
    return [
        {
            "key": "emg.symmetry.zygomaticus",
            "label": "EMG symmetry, zygomaticus",
            "unit": "ratio",
            "group": "EMG symmetry",
            "points": [{"date": today - timedelta(days=30), "value": 0.42}, {"date": today, "value": 0.71}],
            "higher_is_better": True,
        }
    ]


def session_timeline(patient) -> list[dict]:
    return [
        {
            "at": timezone.now() - timedelta(days=2),
            "kind": "emg_session",
            "title": "EMG biofeedback session",
            "detail": "Inhibition of orbicularis oculi during smile",
            "url": "",
        }
    ]


def care_plan_and_media(patient, context) -> list:
    """A CarePlan (home program area) and a Media (photo area) referencing this area's resources."""
    from fhir.resources.R4B.careplan import CarePlan
    from fhir.resources.R4B.media import Media

    plan = CarePlan.model_validate(
        {
            "resourceType": "CarePlan",
            "id": context.resource_id("CarePlan", "program-1"),
            "status": "active",
            "intent": "plan",
            "title": "Home program, stage 2",
            "subject": {"reference": context.patient_ref},
            "author": {"reference": context.practitioner_ref(patient.care_team.first())},
            "activity": [
                {"detail": {"status": "in-progress", "description": "Slow symmetric smile, 10 times, twice a day"}}
            ],
        }
    )
    media = Media.model_validate(
        {
            "resourceType": "Media",
            "id": context.resource_id("Media", "photo-1"),
            "status": "completed",
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/media-type", "code": "image"}]},
            "subject": {"reference": context.patient_ref},
            **(
                {"encounter": {"reference": context.encounter_ref(context.evaluation)}}
                if context.evaluation is not None
                else {}
            ),
            "content": {"contentType": "image/jpeg", "url": "https://clinic.example/photos/1", "title": "Rest"},
        }
    )
    return [plan, media]
