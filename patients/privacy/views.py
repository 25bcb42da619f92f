"""The therapist's pages for a patient's data on request: download everything, delete everything."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinic.decorators import therapist_required
from clinic.errors import DomainError
from patients.access import access_patient
from patients.privacy import services


@therapist_required
@require_POST
def patient_export(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="patient.export", audit_read=False)
    export = services.patient_export(actor=request.user, patient=patient)
    response = HttpResponse(export.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@therapist_required
def patient_erase(request, patient_id: int):
    reading = request.method != "POST"
    patient = access_patient(
        request.user, patient_id, action="patient.erase_confirm" if reading else "patient.erase", audit_read=reading
    )
    error = ""
    if request.method == "POST":
        try:
            result = services.patient_erase(
                actor=request.user, patient=patient, confirm_record_number=request.POST.get("confirm", "")
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(
                request, f"Record #{patient.record_number} and its {result.files} files were deleted for good."
            )
            return redirect("patients:caseload")
    return render(
        request, "patients/privacy/erase.html", {"patient": patient, "error": error}, status=400 if error else 200
    )
