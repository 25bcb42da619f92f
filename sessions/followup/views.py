"""The patient's follow-up tab and the clinic's appointment list (therapists)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.audit import audit_record
from clinic.decorators import therapist_required
from clinic.errors import DomainError
from patients.access import access_patient
from sessions.followup import selectors, services
from sessions.followup.access import access_appointment, access_goal
from sessions.followup.forms import AppointmentForm, DischargeForm, GoalForm, PlanForm
from sessions.models import Appointment, FollowUpPlan, Program
from sessions.programs.dates import clinic_today, clinic_zone
from sessions.programs.views import safe_next


def _context(request, patient, **forms):
    plan = FollowUpPlan.objects.filter(patient=patient).select_related("final_program").first()
    measures = selectors.measures_for(patient)
    programs = Program.objects.filter(patient=patient, status=Program.Status.ACTIVE)
    tz = clinic_zone(patient.clinic)
    next_week = datetime.combine(clinic_today(patient.clinic) + timedelta(days=7), time(10, 0))
    discharge = forms.get("discharge_form") or DischargeForm()
    discharge.fields["final_program"].choices = [("", "No home plan")] + [(p.pk, p.title) for p in programs]
    return {
        "patient": patient,
        "active_tab": "followup",
        "plan": plan,
        "plan_form": forms.get("plan_form")
        or PlanForm(
            initial={
                "frequency": plan.frequency if plan else "weekly",
                "next_review_date": plan.next_review_date
                if plan
                else clinic_today(patient.clinic) + timedelta(days=28),
                "reevaluation_due": plan.reevaluation_due if plan else None,
                "reminders_enabled": plan.reminders_enabled if plan else True,
                "notes": plan.notes if plan else "",
            }
        ),
        "goal_form": forms.get("goal_form") or GoalForm(measures=measures),
        "goals": selectors.goal_rows(plan, measures),
        "appointment_form": forms.get("appointment_form") or AppointmentForm(initial={"starts_at": next_week}),
        "discharge_form": discharge,
        "upcoming": selectors.appointments_of(patient).filter(starts_at__gte=timezone.now()).order_by("starts_at"),
        "past": selectors.appointments_of(patient).filter(starts_at__lt=timezone.now())[:12],
        "reminders": selectors.reminders_of(patient),
        "timezone": tz.key,
        "statuses": Appointment.Status.choices,
    }


@therapist_required
def patient_followup(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="followup.view")
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                services.followup_plan_save(actor=request.user, patient=patient, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "Follow-up plan saved.")
                return redirect("therapy:patient-followup", patient.pk)
        return render(request, "therapy/followup/tab.html", _context(request, patient, plan_form=form))
    return render(request, "therapy/followup/tab.html", _context(request, patient))


@therapist_required
@require_POST
def goal_add(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="followup.goal_add", audit_read=False)
    measures = selectors.measures_for(patient)
    form = GoalForm(request.POST, measures=measures)
    if form.is_valid():
        data = form.cleaned_data
        measure = next((m for m in measures if m["key"] == data["measure"]), None)
        try:
            services.followup_goal_add(
                actor=request.user,
                patient=patient,
                description=data["description"],
                measure_key=measure["key"] if measure else "",
                measure_label=measure["label"] if measure else "",
                target_value=data["target_value"],
                higher_is_better=measure["higher_is_better"] if measure else True,
                target_date=data["target_date"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Goal added.")
            return redirect("therapy:patient-followup", patient.pk)
    return render(request, "therapy/followup/tab.html", _context(request, patient, goal_form=form))


@therapist_required
@require_POST
def goal_status(request, goal_id: int):
    goal = access_goal(request.user, goal_id)
    try:
        services.followup_goal_set_status(actor=request.user, goal=goal, status=request.POST.get("status", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("therapy:patient-followup", goal.plan.patient_id)


@therapist_required
@require_POST
def appointment_add(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="appointment.create", audit_read=False)
    form = AppointmentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        starts_at = timezone.make_aware(data["starts_at"].replace(tzinfo=None), clinic_zone(patient.clinic))
        try:
            if data["count"] > 1:
                booked = services.appointment_series(
                    actor=request.user,
                    patient=patient,
                    first_starts_at=starts_at,
                    count=data["count"],
                    kind=data["kind"],
                    duration_minutes=data["duration_minutes"],
                    location=data["location"],
                )
                messages.success(request, f"{len(booked)} visits booked.")
            else:
                services.appointment_create(
                    actor=request.user,
                    patient=patient,
                    starts_at=starts_at,
                    kind=data["kind"],
                    duration_minutes=data["duration_minutes"],
                    location=data["location"],
                )
                messages.success(request, "Visit booked.")
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("therapy:patient-followup", patient.pk)
    return render(request, "therapy/followup/tab.html", _context(request, patient, appointment_form=form))


@therapist_required
@require_POST
def appointment_status(request, appointment_id: int):
    appointment = access_appointment(request.user, appointment_id, action="appointment.status")
    try:
        services.appointment_set_status(
            actor=request.user, appointment=appointment, status=request.POST.get("status", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(safe_next(request, reverse("therapy:patient-followup", args=[appointment.patient_id])))


@therapist_required
@require_POST
def discharge(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="followup.discharge", audit_read=False)
    form = DischargeForm(request.POST)
    form.fields["final_program"].choices = [("", "")] + [
        (str(p.pk), p.title) for p in Program.objects.filter(patient=patient, status=Program.Status.ACTIVE)
    ]
    if form.is_valid():
        final = Program.objects.filter(pk=form.cleaned_data["final_program"] or None, patient=patient).first()
        try:
            services.followup_discharge(
                actor=request.user, patient=patient, summary=form.cleaned_data["summary"], final_program=final
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"{patient.full_name} is discharged.")
            return redirect("therapy:patient-followup", patient.pk)
    return render(request, "therapy/followup/tab.html", _context(request, patient, discharge_form=form))


@therapist_required
@require_POST
def reopen(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="followup.reopen", audit_read=False)
    try:
        services.followup_reopen(actor=request.user, patient=patient)
        messages.success(request, "Follow-up re-opened.")
    except (DomainError, FollowUpPlan.DoesNotExist):
        messages.error(request, "There is no plan to re-open.")
    return redirect("therapy:patient-followup", patient.pk)


@therapist_required
def appointments(request):
    clinic = request.user.clinic
    today = clinic_today(clinic)
    tz = clinic_zone(clinic)
    start = datetime.combine(today, time.min, tzinfo=tz)
    mine = request.GET.get("mine", "1") == "1"
    items = selectors.clinic_appointments(
        clinic, start=start, end=start + timedelta(days=14), therapist=request.user if mine else None
    )
    audit_record(actor=request.user, action="appointment.list", object_type="appointment", extra={"mine": mine})
    days: dict = {}
    for appointment in items:
        days.setdefault(appointment.starts_at.astimezone(tz).date(), []).append(appointment)
    return render(
        request,
        "therapy/followup/appointments.html",
        {"days": sorted(days.items()), "mine": mine, "statuses": Appointment.Status.choices, "timezone": tz.key},
    )
