"""The therapist's pages of a patient record (caseload, overview, edit, timeline); the portal home is in sessions."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.decorators import therapist_required
from clinic.errors import DomainError
from patients import selectors, services
from patients.access import access_patient
from patients.evaluations.presenters import headline_scores
from patients.forms import ConsentForm, NewEvaluationForm, PatientForm, StageForm
from patients.models import Consent, RecoveryStage
from patients.timeline import KIND_LABELS, questionnaire_summary, timeline_entries


def apply_domain_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@therapist_required
def caseload(request):
    query = request.GET.get("q", "").strip()
    stage = request.GET.get("stage", "")
    mine = request.GET.get("mine") == "1"
    patients = selectors.patients_with_caseload_data(
        selectors.caseload(request.user, query=query, stage=stage, mine=mine)
    )
    page = Paginator(patients, 50).get_page(request.GET.get("page"))
    for patient in page:
        latest = patient.completed_evaluations[0] if patient.completed_evaluations else None
        patient.latest_scores = headline_scores(latest) if latest else None
        patient.latest_evaluation = latest
    return render(
        request,
        "patients/caseload.html",
        {
            "patients": page,
            "page": page,
            "q": query,
            "stage": stage,
            "mine": mine,
            "stages": RecoveryStage.choices,
        },
    )


@therapist_required
def patient_new(request):
    form = PatientForm(request.POST or None, clinic=request.user.clinic, initial={"care_team": [request.user]})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        care_team = data.pop("care_team")
        try:
            patient = services.patient_create(
                actor=request.user, clinic=request.user.clinic, care_team=care_team, **data
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"{patient.full_name} was added.")
            return redirect("patients:detail", patient.pk)
    return render(request, "patients/patient_form.html", {"form": form, "patient": None})


@therapist_required
def patient_edit(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="patient.edit")
    form = PatientForm(request.POST or None, instance=patient, clinic=request.user.clinic)
    if request.method == "POST" and form.is_valid():
        data = {key: form.cleaned_data[key] for key in form.changed_data}
        care_team = data.pop("care_team", None)
        patient.refresh_from_db()
        try:
            services.patient_update(actor=request.user, patient=patient, care_team=care_team, **data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "The record was saved.")
            return redirect("patients:detail", patient.pk)
    return render(request, "patients/patient_form.html", {"form": form, "patient": patient})


@therapist_required
def patient_detail(request, patient_id: int):
    patient = access_patient(request.user, patient_id)
    latest = selectors.latest_completed_evaluation(patient)
    today = timezone.localdate()
    pending = list(selectors.pending_questionnaires(patient))
    for assignment in pending:
        assignment.overdue = assignment.due_on is not None and assignment.due_on < today
    completed = [
        q for q in selectors.questionnaires_of(patient).filter(status="completed").order_by("-completed_at")[:3]
    ]
    for assignment in completed:
        assignment.summary = questionnaire_summary(assignment)
    consents = selectors.consents_in_force(patient)
    consent_rows = [
        {"kind": kind, "label": label, "record": consents.get(kind)} for kind, label in Consent.Kind.choices
    ]
    onset_days = (today - patient.onset_date).days if patient.onset_date else None
    return render(
        request,
        "patients/detail.html",
        {
            "patient": patient,
            "active_tab": "overview",
            "latest": latest,
            "latest_scores": headline_scores(latest) if latest else None,
            "drafts": patient.evaluations.filter(status="draft").order_by("-performed_on"),
            "pending_questionnaires": pending,
            "completed_questionnaires": completed,
            "consent_rows": consent_rows,
            "consent_form": ConsentForm(),
            "stage_form": StageForm(initial={"stage": patient.stage}),
            "new_evaluation_form": NewEvaluationForm(),
            "onset_days": onset_days,
            "recent": timeline_entries(patient)[:6],
            "last_toxin": patient.toxin_injections.prefetch_related("sites").first(),
        },
    )


@therapist_required
@require_POST
def patient_stage(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="patient.update", audit_read=False)
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            services.patient_update(
                actor=request.user,
                patient=patient,
                stage=form.cleaned_data["stage"],
                stage_note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Stage set to {form.cleaned_data['stage']}.")
    else:
        messages.error(request, "Choose a stage.")
    return redirect("patients:detail", patient.pk)


@therapist_required
@require_POST
def consent_add(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="consent.record", audit_read=False)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.consent_record(actor=request.user, patient=patient, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Consent recorded.")
    else:
        messages.error(
            request, "The consent was not recorded: " + " ".join(m for ms in form.errors.values() for m in ms)
        )
    return redirect("patients:detail", patient.pk)


@therapist_required
@require_POST
def consent_withdraw(request, patient_id: int, consent_id: int):
    patient = access_patient(request.user, patient_id, action="consent.withdraw", audit_read=False)
    consent = get_object_or_404(Consent, pk=consent_id, patient=patient)
    try:
        services.consent_withdraw(actor=request.user, consent=consent)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Consent withdrawn: {consent.get_kind_display()}.")
    return redirect("patients:detail", patient.pk)


@therapist_required
def patient_timeline(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="patient.timeline")
    selected = {k for k in request.GET.getlist("kind") if k}
    entries = timeline_entries(patient)
    present = sorted({e["kind"] for e in entries})
    shown = [e for e in entries if not selected or e["kind"] in selected]
    kinds = [{"key": k, "label": KIND_LABELS.get(k, k.replace("_", " ").title()), "on": k in selected} for k in present]
    return render(
        request,
        "patients/timeline.html",
        {"patient": patient, "active_tab": "timeline", "entries": shown, "kinds": kinds, "selected": selected},
    )
