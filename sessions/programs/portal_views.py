"""The patient portal (phone first): today's plan, practising one exercise, history, appointments."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.audit import audit_record
from clinic.decorators import patient_required
from clinic.errors import DomainError
from clinic.hooks import call_hooks
from patients.access import access_patient
from sessions.models import Appointment, PracticeLog, Program
from sessions.programs import adherence, schedule
from sessions.programs.access import access_practice_item
from sessions.programs.dates import clinic_today
from sessions.programs.forms import LogForm, TightnessForm
from sessions.programs.practice import active_program, day_plan, practice_log, tightness_report


def _own_patient(request, action: str):
    own_id = request.user.patient.pk if hasattr(request.user, "patient") else None
    return access_patient(request.user, own_id, action=action)


def next_appointment(patient):
    return (
        Appointment.objects.filter(patient=patient, status=Appointment.Status.SCHEDULED, starts_at__gte=timezone.now())
        .select_related("therapist")
        .first()
    )


@patient_required
def portal_home(request):
    patient = _own_patient(request, "portal.view")
    sections = sorted(call_hooks("PORTAL_SECTIONS", patient, request), key=lambda section: section["order"])
    program = active_program(patient)
    today = clinic_today(patient.clinic)
    plan = day_plan(program, today)
    days = adherence.days_for(patient, today - timedelta(days=27), today)
    return render(
        request,
        "therapy/portal/home.html",
        {
            "patient": patient,
            "sections": sections,
            "program": program,
            "plan": plan,
            "streaks": adherence.streaks(days, today=today),
            "week": days[-7:],
            "next_appointment": next_appointment(patient),
            "tightness_form": TightnessForm(),
            "threshold": program.effective_threshold if program else None,
        },
    )


@patient_required
def practice(request, item_id: int):
    item = access_practice_item(request.user, item_id)
    program = item.program
    patient = program.patient
    today = clinic_today(program.clinic)
    form = LogForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = practice_log(
                actor=request.user,
                item=item,
                status=data["status"],
                difficulty=data["difficulty"],
                tightness=data["tightness"],
                note=data["note"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if (
                result.release is not None
                and data["tightness"] is not None
                and data["tightness"] >= result.release.threshold
            ):
                messages.warning(
                    request,
                    "Your face feels tight, so today is a release day: movement exercises are "
                    "paused and your therapist has been told.",
                )
            else:
                messages.success(request, f"Logged “{item.version.title}”. Well done.")
            return redirect(f"{reverse('portal:home')}#today")
    else:
        audit_record(actor=request.user, action="practice.view", obj=item.program, extra={"item": item.pk})
    dose = schedule.dose_of(item)
    plan = day_plan(program, today)
    entry = next((e for e in plan.entries if e.item.pk == item.pk), None)
    return render(
        request,
        "therapy/portal/practice.html",
        {
            "patient": patient,
            "item": item,
            "version": item.version,
            "dose": dose,
            "media": item.version.exercise.media.all(),
            "form": form,
            "entry": entry,
            "is_release_day": plan.is_release_day,
            "paused_today": item in plan.paused,
            "threshold": program.effective_threshold,
            "timer": {
                "reps": dose.reps,
                "hold": dose.hold_seconds,
                "sets": dose.sets,
                "rest": 3 if dose.hold_seconds else 0,
            },
        },
    )


@patient_required
@require_POST
def tightness(request):
    patient = _own_patient(request, "practice.tightness")
    form = TightnessForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how tight your face feels, from 0 to 10.")
        return redirect("portal:home")
    try:
        release = tightness_report(actor=request.user, patient=patient, value=form.cleaned_data["tightness"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal:home")
    if release is not None:
        messages.warning(
            request,
            "Your face feels tight, so today is a release day: movement exercises are paused "
            "and your therapist has been told.",
        )
    else:
        messages.success(request, "Thanks — noted.")
    return redirect(f"{reverse('portal:home')}#today")


@patient_required
def history(request):
    patient = _own_patient(request, "practice.history")
    today = clinic_today(patient.clinic)
    start = today - timedelta(days=27)
    start -= timedelta(days=start.weekday())  # calendar rows start on Monday
    days = adherence.days_for(patient, start, today)
    logs = (
        PracticeLog.objects.filter(patient=patient).select_related("item__version").order_by("-date", "-logged_at")[:60]
    )
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    return render(
        request,
        "therapy/portal/history.html",
        {
            "patient": patient,
            "today": today,
            "weeks": weeks,
            "streaks": adherence.streaks(days, today=today),
            # Today is not over: it counts once it is.
            "adherence_28": adherence.fraction([d for d in days if d.day < today]),
            "logs": logs,
            "weekly": adherence.weekly_series(patient, weeks=8, today=today),
        },
    )


@patient_required
def appointments(request):
    patient = _own_patient(request, "appointment.list")
    upcoming = (
        Appointment.objects.filter(patient=patient, starts_at__gte=timezone.now())
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("therapist")
    )
    past = Appointment.objects.filter(patient=patient, starts_at__lt=timezone.now()).order_by("-starts_at")[:10]
    return render(request, "therapy/portal/appointments.html", {"patient": patient, "upcoming": upcoming, "past": past})


@patient_required
def handout(request):
    from sessions.programs.pdf import program_handout_pdf
    from sessions.programs.views import _pdf_response

    patient = _own_patient(request, "program.handout")
    program = Program.objects.filter(patient=patient, status=Program.Status.ACTIVE).first()
    if program is None:
        messages.info(request, "You have no home program yet.")
        return redirect("portal:home")
    return _pdf_response(program_handout_pdf(program), program)
