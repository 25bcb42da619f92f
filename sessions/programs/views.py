"""Therapist pages: exercise library, program builder, the patient's home-program tab, dashboard."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clinic.audit import audit_record
from clinic.decorators import therapist_required
from clinic.errors import DomainError
from patients.access import access_patient
from sessions.models import Area, Category, Kind, Program, ProgramTemplate
from sessions.programs import adherence, charts, schedule, selectors, services
from sessions.programs.access import (
    access_exercise,
    access_item,
    access_media,
    access_program,
    access_program_for_edit,
    access_release_day,
    access_template,
    can_edit_program,
)
from sessions.programs.dates import clinic_today
from sessions.programs.forms import (
    AddItemForm,
    DoseForm,
    ExerciseForm,
    MediaForm,
    NewProgramForm,
    ProgramSettingsForm,
)
from sessions.programs.practice import release_day_acknowledge


def safe_next(request, default: str) -> str:
    """The POSTed ``next`` page when it is on this site, else ``default`` (no open redirects)."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(default) if ":" in default else default


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# --- Library -----------------------------------------------------------------------------------------
@therapist_required
def library(request):
    filters = {k: request.GET.get(k, "") for k in ("category", "kind", "area", "stage", "q", "archived")}
    exercises = selectors.library(request.user.clinic, **filters)
    groups = []
    for value, label in Category.choices:
        members = [e for e in exercises if e.current.category == value]
        if members:
            groups.append({"label": label, "key": value, "exercises": members})
    return render(
        request,
        "therapy/library/list.html",
        {
            "groups": groups,
            "filters": filters,
            "categories": Category.choices,
            "kinds": Kind.choices,
            "areas": Area.choices,
            "count": len(exercises),
        },
    )


@therapist_required
def exercise_new(request):
    form = ExerciseForm(request.POST or None, initial={"stages": [2, 3, 4], "kind": "movement"})
    if request.method == "POST" and form.is_valid():
        try:
            exercise = services.exercise_create(actor=request.user, clinic=request.user.clinic, **form.version_fields())
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Exercise added to the library.")
            return redirect("therapy:exercise", exercise.pk)
    return render(request, "therapy/library/form.html", {"form": form, "exercise": None})


@therapist_required
def exercise_detail(request, exercise_id: int):
    exercise = access_exercise(request.user, exercise_id)
    version = exercise.current
    form = ExerciseForm(request.POST or None, initial=ExerciseForm.initial_from(version))
    if request.method == "POST" and form.is_valid():
        try:
            new = services.exercise_update(
                actor=request.user,
                exercise=exercise,
                change_note=form.cleaned_data.get("change_note", ""),
                **form.version_fields(),
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            if new.pk == version.pk:
                messages.info(request, "Nothing changed.")
            else:
                messages.success(request, f"Saved as version {new.number}. Programs keep their version until updated.")
            return redirect("therapy:exercise", exercise.pk)
    return render(
        request,
        "therapy/library/form.html",
        {
            "form": form,
            "exercise": exercise,
            "version": version,
            "versions": exercise.versions.all()[:20],
            "media": exercise.media.all(),
            "media_form": MediaForm(),
            "in_use": selectors.programs_using(exercise).count(),
        },
    )


@therapist_required
@require_POST
def exercise_archive(request, exercise_id: int):
    exercise = access_exercise(request.user, exercise_id)
    services.exercise_set_archived(actor=request.user, exercise=exercise, archived=not exercise.is_archived)
    messages.success(request, "Archived." if exercise.is_archived else "Restored to the library.")
    return redirect("therapy:exercise", exercise.pk)


@therapist_required
@require_POST
def exercise_media_add(request, exercise_id: int):
    exercise = access_exercise(request.user, exercise_id)
    form = MediaForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.exercise_media_add(
                actor=request.user,
                exercise=exercise,
                upload=form.cleaned_data["file"],
                caption=form.cleaned_data["caption"],
            )
            messages.success(request, "Uploaded.")
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "Choose a file to upload.")
    return redirect("therapy:exercise", exercise.pk)


@therapist_required
@require_POST
def exercise_media_delete(request, media_id: int):
    media = access_media(request.user, media_id)
    exercise_id = media.exercise_id
    services.exercise_media_delete(actor=request.user, media=media)
    messages.success(request, "Removed.")
    return redirect("therapy:exercise", exercise_id)


def media_file(request, media_id: int):
    """Images and videos of the library: therapists of the clinic, and patients whose program uses them."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.path}")
    media = access_media(request.user, media_id)
    response = FileResponse(media.file.open("rb"), content_type=media.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@therapist_required
def templates(request):
    items = selectors.templates_of(request.user.clinic, archived=request.GET.get("archived") == "1")
    return render(
        request, "therapy/library/templates.html", {"templates": items, "archived": request.GET.get("archived") == "1"}
    )


@therapist_required
@require_POST
def template_archive(request, template_id: int):
    template = access_template(request.user, template_id)
    services.template_set_archived(actor=request.user, template=template, archived=not template.is_archived)
    return redirect("therapy:templates")


# --- The patient's home-program tab -------------------------------------------------------------------
@therapist_required
def patient_program(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="program.list")
    programs = list(Program.objects.filter(patient=patient).select_related("author"))
    active = next((p for p in programs if p.status == Program.Status.ACTIVE), None)
    today = clinic_today(patient.clinic)
    days = adherence.days_for(patient, today - timedelta(days=27), today)
    recent, scheduled_days = adherence.recent_adherence(patient, today=today)
    trend = adherence.tightness_trend(patient, today=today)
    form = NewProgramForm(
        initial={"start_date": today},
        templates=selectors.templates_of(patient.clinic),
        programs=[p for p in programs if p.status != Program.Status.DRAFT],
    )
    stage_template = (
        ProgramTemplate.objects.filter(clinic=patient.clinic, stage=patient.stage, is_archived=False)
        .exclude(key="")
        .first()
    )
    if stage_template:
        form.initial["source"] = f"t{stage_template.pk}"
    return render(
        request,
        "therapy/program/patient_tab.html",
        {
            "patient": patient,
            "active_tab": "program",
            "active": active,
            "programs": programs,
            "form": form,
            "calendar": days,
            "week_adherence": recent,
            "scheduled_days": scheduled_days,
            "trend": trend,
            "adherence_chart": charts.line(
                adherence.weekly_series(patient), low=0, high=100, title="Weekly adherence", unit=" %"
            ),
            "tightness_chart": charts.line(
                adherence.tightness_weekly(patient), low=0, high=10, title="Weekly mean tightness"
            ),
            "release_days": patient.release_days.select_related("acknowledged_by")[:10],
            "recent_logs": selectors.recent_logs(patient)[:15],
        },
    )


@therapist_required
@require_POST
def program_new(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="program.create", audit_read=False)
    form = NewProgramForm(
        request.POST,
        templates=selectors.templates_of(patient.clinic),
        programs=Program.objects.filter(patient=patient).exclude(status="draft"),
    )
    if not form.is_valid():
        messages.error(request, "Check the start date and what to start from.")
        return redirect("therapy:patient-program", patient.pk)
    source_key = form.cleaned_data["source"]
    template = source = None
    if source_key.startswith("t"):
        template = access_template(request.user, source_key[1:])
    elif source_key.startswith("p"):
        source = access_program(request.user, source_key[1:], audit_read=False)
        if source.patient_id != patient.pk:
            raise PermissionDenied
    try:
        program = services.program_create(
            actor=request.user,
            patient=patient,
            title=form.cleaned_data["title"],
            start_date=form.cleaned_data["start_date"],
            end_date=form.cleaned_data["end_date"],
            template=template,
            source=source,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("therapy:patient-program", patient.pk)
    if program.skipped_for_stage:
        messages.warning(
            request,
            f"Left out for stage {patient.stage} (movement exercises wait until movement returns): "
            + ", ".join(program.skipped_for_stage)
            + ".",
        )
    return redirect("therapy:program", program.pk)


# --- Builder ---------------------------------------------------------------------------------------------
def _builder_context(request, program: Program, *, add_form=None, settings_form=None) -> dict:
    items = list(program.items.select_related("version__exercise__current").order_by("order", "id"))
    stage = program.patient.stage
    load = schedule.program_load(items, program=program)
    today = clinic_today(program.clinic)
    preview_start = max(today, program.start_date)
    preview = []
    for offset in range(7):
        day = preview_start + timedelta(days=offset)
        todays = schedule.items_on(items, program=program, day=day)
        preview.append(
            {"day": day, "items": todays, "minutes": schedule.day_load(items, program=program, day=day).minutes}
        )
    rows = []
    for item in items:
        dose = schedule.dose_of(item)
        rows.append(
            {
                "item": item,
                "dose": dose,
                "form": DoseForm(
                    prefix=f"i{item.pk}",
                    initial={
                        **{
                            k: getattr(item, k)
                            for k in ("reps", "hold_seconds", "sets", "times_per_day", "days_per_week")
                        },
                        "every_day": item.every_day,
                        "notes": item.notes,
                    },
                ),
                "minutes": round(schedule.session_seconds(dose, item.version.kind) * dose.times_per_day / 60, 1),
                "advice": services.rules.stage_advice(stage=stage, version=item.version),
                "newer": item.version.exercise.current_id != item.version_id,
            }
        )
    in_program = {item.version.exercise_id for item in items}
    choices = []
    for exercise in selectors.library(program.clinic):
        if exercise.pk in in_program:
            continue
        advice = services.rules.stage_advice(stage=stage, version=exercise.current)
        choices.append(
            {
                "exercise": exercise,
                "blocked": advice.blocked,
                "unsuited": bool(exercise.current.stages) and stage not in exercise.current.stages,
            }
        )
    choices.sort(key=lambda c: (c["unsuited"], c["exercise"].current.category, c["exercise"].current.title))
    return {
        "patient": program.patient,
        "active_tab": "program",
        "program": program,
        "rows": rows,
        "load": load,
        "load_chart": charts.bars(
            [d.minutes for d in load.days],
            [d.label.replace("Day ", "D") for d in load.days],
            limit=load.limit_minutes,
            unit=" min",
            title="Minutes per day over one cycle",
        ),
        "preview": preview,
        "choices": choices,
        "categories": Category.choices,
        "can_edit": can_edit_program(request.user, program) and program.is_editable_status,
        "add_form": add_form or AddItemForm(),
        "settings_form": settings_form
        or ProgramSettingsForm(
            rotation=program.rotation,
            initial={
                "title": program.title,
                "start_date": program.start_date,
                "end_date": program.end_date,
                "tightness_threshold": program.tightness_threshold,
                "message": program.message,
                "shared": program.shared,
            },
        ),
        "clinic_threshold": program.clinic.tightness_alert_threshold,
        "stage_blocks_movement": stage == 1,
    }


@therapist_required
def program_builder(request, program_id: int):
    program = access_program(request.user, program_id)
    return render(request, "therapy/program/builder.html", _builder_context(request, program))


@therapist_required
@require_POST
def program_settings(request, program_id: int):
    program = access_program_for_edit(request.user, program_id)
    form = ProgramSettingsForm(request.POST, rotation=program.rotation)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.program_update(
                actor=request.user,
                program=program,
                title=data["title"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                tightness_threshold=data["tightness_threshold"],
                message=data["message"],
                rotation=form.rotation_groups(),
                **({"shared": data["shared"]} if request.user.pk == program.author_id else {}),
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Program settings saved.")
            return redirect(f"{reverse('therapy:program', args=[program.pk])}#settings")
    return render(request, "therapy/program/builder.html", _builder_context(request, program, settings_form=form))


@therapist_required
@require_POST
def program_item_add(request, program_id: int):
    program = access_program_for_edit(request.user, program_id)
    form = AddItemForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            exercise = access_exercise(request.user, data["exercise"])
            item = services.program_item_add(
                actor=request.user,
                program=program,
                exercise=exercise,
                override_reason=data["override_reason"],
                every_day=data["every_day"],
                notes=data["notes"],
                **{
                    k: data[k]
                    for k in ("reps", "hold_seconds", "sets", "times_per_day", "days_per_week")
                    if data[k] is not None
                },
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"Added “{item.version.title}”.")
            return redirect(f"{reverse('therapy:program', args=[program.pk])}#item-{item.pk}")
    context = _builder_context(request, program, add_form=form)
    context["selected_exercise"] = str(request.POST.get("exercise", ""))
    return render(request, "therapy/program/builder.html", context)


@therapist_required
@require_POST
def program_item_update(request, item_id: int):
    item = access_item(request.user, item_id, action="program.item_update", for_edit=True)
    form = DoseForm(request.POST, prefix=f"i{item.pk}")
    if form.is_valid():
        try:
            services.program_item_update(actor=request.user, item=item, **form.cleaned_data)
            messages.success(request, f"Saved “{item.version.title}”.")
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect(f"{reverse('therapy:program', args=[item.program_id])}#item-{item.pk}")


@therapist_required
@require_POST
def program_item_remove(request, item_id: int):
    item = access_item(request.user, item_id, action="program.item_remove", for_edit=True)
    try:
        services.program_item_remove(actor=request.user, item=item)
        messages.success(request, f"Removed “{item.version.title}”.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("therapy:program", item.program_id)


@therapist_required
@require_POST
def program_item_upgrade(request, item_id: int):
    item = access_item(request.user, item_id, action="program.item_upgrade", for_edit=True)
    try:
        services.program_item_upgrade(actor=request.user, item=item)
        messages.success(request, "Updated to the library's current version.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('therapy:program', args=[item.program_id])}#item-{item.pk}")


@therapist_required
@require_POST
def program_state(request, program_id: int):
    program = access_program_for_edit(request.user, program_id, action="program.state")
    action = request.POST.get("action")
    try:
        if action == "activate":
            services.program_activate(actor=request.user, program=program)
            messages.success(request, f"{program.patient.first_name} now sees this program in the portal.")
        elif action in ("complete", "discontinue"):
            services.program_finish(
                actor=request.user,
                program=program,
                discontinue=action == "discontinue",
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, "Program completed." if action == "complete" else "Program discontinued.")
        elif action == "delete":
            patient_id = program.patient_id
            services.program_delete_draft(actor=request.user, program=program)
            messages.success(request, "Draft deleted.")
            return redirect("therapy:patient-program", patient_id)
        else:
            messages.error(request, "Unknown action.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("therapy:program", program.pk)


@therapist_required
@require_POST
def program_to_template(request, program_id: int):
    program = access_program(request.user, program_id, action="program.save_as_template", audit_read=False)
    try:
        template = services.template_from_program(
            actor=request.user,
            program=program,
            name=request.POST.get("name", ""),
            description=request.POST.get("description", ""),
        )
        messages.success(request, f"Saved as the template “{template.name}”.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("therapy:program", program.pk)


@therapist_required
def program_handout(request, program_id: int):
    from sessions.programs.pdf import program_handout_pdf

    program = access_program(request.user, program_id, action="program.handout")
    return _pdf_response(program_handout_pdf(program), program)


def _pdf_response(data: bytes, program: Program) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="home-program-{program.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@therapist_required
@require_POST
def release_day_ack(request, release_day_id: int):
    release = access_release_day(request.user, release_day_id)
    closed = release_day_acknowledge(actor=request.user, release=release, note=request.POST.get("note", ""))
    messages.success(
        request, f"Tightness flag{'s' if closed > 1 else ''} of {release.patient.full_name} acknowledged ({closed})."
    )
    return redirect(safe_next(request, "therapy:dashboard"))


# --- Dashboard ----------------------------------------------------------------------------------------------
@therapist_required
def dashboard(request):
    from sessions.programs.dashboard import dashboard_for

    scope = "clinic" if request.GET.get("scope") == "clinic" else "mine"
    board = dashboard_for(request.user, scope=scope)
    audit_record(actor=request.user, action="dashboard.view", object_type="patient", extra={"scope": scope})
    return render(request, "therapy/dashboard.html", {"board": board, "scope": scope})
