"""Treatments alongside therapy: the botulinum toxin log and other procedures."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.decorators import therapist_required
from clinic.errors import DomainError
from patients import services
from patients.access import access_patient
from patients.forms import ToxinInjectionForm, TreatmentForm
from patients.models import ToxinInjection, TreatmentEvent
from patients.models.treatment import TOXIN_MUSCLE_CHOICES

MAX_SITE_LINES = 30
BLANK_SITE_LINES = 4
PRODUCTS = ["onabotulinumtoxinA", "abobotulinumtoxinA", "incobotulinumtoxinA", "prabotulinumtoxinA"]


def parse_sites(data) -> tuple[list[dict], list[dict]]:
    """The injection lines of the form: complete lines for the service, and every line to redraw the form."""
    sites, lines = [], []
    for index in range(MAX_SITE_LINES):
        muscle = data.get(f"site-{index}-muscle", "")
        side = data.get(f"site-{index}-side", "")
        units = data.get(f"site-{index}-units", "").strip()
        if f"site-{index}-muscle" not in data:
            continue
        lines.append({"muscle": muscle, "side": side, "units": units})
        if muscle or units:
            sites.append({"muscle": muscle, "side": side, "units": units})
    return sites, lines


@therapist_required
def treatments_tab(request, patient_id: int):
    patient = access_patient(
        request.user,
        patient_id,
        action="treatment.list" if request.method == "GET" else "treatment.record",
        audit_read=request.method == "GET",
    )
    which = request.POST.get("form", "")
    toxin_form = ToxinInjectionForm(
        request.POST if which == "toxin" else None, initial={"given_on": timezone.localdate()}
    )
    treatment_form = TreatmentForm(
        request.POST if which == "treatment" else None, initial={"performed_on": timezone.localdate()}
    )
    lines = [
        {"muscle": "", "side": patient.affected_side if patient.affected_side != "bilateral" else "", "units": ""}
    ] * BLANK_SITE_LINES
    site_error = ""
    if which == "toxin":
        sites, posted_lines = parse_sites(request.POST)
        lines = posted_lines or lines
        if toxin_form.is_valid():
            try:
                services.toxin_injection_record(
                    actor=request.user, patient=patient, sites=sites, **toxin_form.cleaned_data
                )
            except DomainError as exc:
                if exc.field == "sites":
                    site_error = exc.message
                else:
                    toxin_form.add_error(exc.field if exc.field in toxin_form.fields else None, exc.message)
            else:
                messages.success(request, "Toxin treatment recorded.")
                return redirect("patients:treatments", patient.pk)
    elif which == "treatment" and treatment_form.is_valid():
        try:
            services.treatment_record(actor=request.user, patient=patient, **treatment_form.cleaned_data)
        except DomainError as exc:
            treatment_form.add_error(exc.field if exc.field in treatment_form.fields else None, exc.message)
        else:
            messages.success(request, "Treatment recorded.")
            return redirect("patients:treatments", patient.pk)
    injections = list(patient.toxin_injections.prefetch_related("sites").select_related("recorded_by"))
    # Units per muscle and side over time: what the injector needs before the next session.
    per_muscle: dict[tuple[str, str], list] = defaultdict(list)
    labels = dict(TOXIN_MUSCLE_CHOICES)
    for injection in injections:
        for site in injection.sites.all():
            per_muscle[(site.muscle, site.side)].append((injection.given_on, site.units))
    muscle_rows = [
        {
            "muscle": labels.get(muscle, muscle),
            "side": side,
            "count": len(entries),
            "last": max(entries)[0],
            "last_units": max(entries)[1],
            "total": sum((u for _d, u in entries), Decimal(0)),
        }
        for (muscle, side), entries in sorted(per_muscle.items(), key=lambda kv: labels.get(kv[0][0], ""))
    ]
    return render(
        request,
        "patients/treatments.html",
        {
            "patient": patient,
            "active_tab": "treatments",
            "injections": injections,
            "treatments": patient.treatments.select_related("recorded_by"),
            "toxin_form": toxin_form,
            "treatment_form": treatment_form,
            "lines": lines,
            "site_error": site_error,
            "muscle_choices": TOXIN_MUSCLE_CHOICES,
            "products": PRODUCTS,
            "muscle_rows": muscle_rows,
            "open_form": which,
        },
    )


@therapist_required
@require_POST
def toxin_delete(request, patient_id: int, injection_id: int):
    patient = access_patient(request.user, patient_id, action="toxin.delete", audit_read=False)
    injection = get_object_or_404(ToxinInjection, pk=injection_id, patient=patient)
    services.toxin_injection_delete(actor=request.user, injection=injection)
    messages.success(request, "Toxin entry deleted.")
    return redirect("patients:treatments", patient.pk)


@therapist_required
@require_POST
def treatment_delete(request, patient_id: int, treatment_id: int):
    patient = access_patient(request.user, patient_id, action="treatment.delete", audit_read=False)
    treatment = get_object_or_404(TreatmentEvent, pk=treatment_id, patient=patient)
    services.treatment_delete(actor=request.user, treatment=treatment)
    messages.success(request, "Treatment entry deleted.")
    return redirect("patients:treatments", patient.pk)
