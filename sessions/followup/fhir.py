"""FHIR R4B export of follow-up visits as Appointments."""

from __future__ import annotations

from datetime import timedelta

from fhir.resources.R4B.appointment import Appointment as FhirAppointment

from sessions.models import Appointment
from sessions.programs.fhir import Refs

STATUS = {"scheduled": "booked", "attended": "fulfilled", "cancelled": "cancelled", "missed": "noshow"}


def appointment_resources(patient, context=None) -> list:
    refs = Refs(patient, context)
    resources = []
    for appt in Appointment.objects.filter(patient=patient).select_related("therapist"):
        participants = [{"actor": {"reference": refs.patient()}, "status": "accepted"}]
        if appt.therapist_id:
            participants.append({"actor": refs.practitioner(appt.therapist), "status": "accepted"})
        resources.append(
            FhirAppointment(
                id=refs.id("Appointment", appt.pk),
                status=STATUS[appt.status],
                serviceType=[{"text": appt.get_kind_display()}],
                start=appt.starts_at.isoformat(),
                end=(appt.starts_at + timedelta(minutes=appt.duration_minutes)).isoformat(),
                minutesDuration=appt.duration_minutes,
                comment=appt.location or None,
                participant=participants,
            )
        )
    return resources
