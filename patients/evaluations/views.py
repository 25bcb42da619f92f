"""Evaluation pages: list and create, the grading form (draft), the signed view, amendments,
comparison of two evaluations and the printable report."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinic.decorators import therapist_required
from clinic.errors import DomainError
from patients import selectors
from patients.access import access_evaluation, access_patient
from patients.evaluations import services
from patients.evaluations.presenters import (
    SECTION_ORDER,
    amendment_rows,
    compare,
    evaluation_sections,
    headline_scores,
)
from patients.evaluations.services import ScaleItemsInvalid
from patients.forms import AmendReasonForm, EvaluationDetailsForm, NewEvaluationForm
from patients.models import Evaluation
from patients.questionnaires.selectors import questionnaires_near
from patients.scales import SCALES

AMENDABLE = (*SECTION_ORDER, "details")


def parse_scale_post(data, scale: str) -> dict[str, str | None]:
    """The answers of one scale in a POST; radio groups carry a hidden blank first, so take the last value."""
    items: dict[str, str | None] = {}
    prefix = f"{scale}-"
    for item in SCALES[scale].ITEMS:
        name = prefix + item.code
        if name in data:
            values = [v for v in data.getlist(name) if v != ""]
            items[item.code] = values[-1] if values else None
    return items


def _evaluation_of(request, patient_id: int, evaluation_id: int, *, action: str = "evaluation.view", audit=True):
    evaluation = access_evaluation(request.user, evaluation_id, action=action, audit_read=audit)
    if evaluation.patient_id != int(patient_id):
        raise Http404("No evaluation found.")
    return evaluation


@therapist_required
def evaluation_list(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="evaluation.list")
    kind = Evaluation.Kind.FOLLOW_UP if patient.evaluations.exists() else Evaluation.Kind.INITIAL
    form = NewEvaluationForm(request.POST or None, initial={"kind": kind})
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = services.evaluation_create(actor=request.user, patient=patient, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("patients:evaluation", patient.pk, evaluation.pk)
    evaluations = list(selectors.evaluations_of(patient).prefetch_related("amendments"))
    for evaluation in evaluations:
        evaluation.headline = headline_scores(evaluation)
    completed = [e for e in evaluations if e.is_locked]
    return render(
        request,
        "patients/evaluations/list.html",
        {
            "patient": patient,
            "active_tab": "evaluations",
            "evaluations": evaluations,
            "form": form,
            "compare_default": (completed[1].pk, completed[0].pk) if len(completed) > 1 else None,
        },
    )


def _page_context(request, evaluation, *, sections, details_form, editing: bool) -> dict:
    patient = evaluation.patient
    return {
        "patient": patient,
        "active_tab": "evaluations",
        "evaluation": evaluation,
        "sections": sections,
        "section_list": [sections[code] for code in SECTION_ORDER],
        "details_form": details_form,
        "editing": editing,
        "amendments": amendment_rows(evaluation),
        "nearby_questionnaires": questionnaires_near(patient, evaluation),
        "score_url": "/api/v1/scales/",
        "healthy_side": patient.healthy_side,
    }


@therapist_required
def evaluation_detail(request, patient_id: int, evaluation_id: int):
    evaluation = _evaluation_of(request, patient_id, evaluation_id, audit=request.method == "GET")
    if evaluation.is_locked:
        if request.method == "POST":
            return redirect("patients:evaluation", evaluation.patient_id, evaluation.pk)
        sections = evaluation_sections(evaluation)
        context = _page_context(request, evaluation, sections=sections, details_form=None, editing=False)
        return render(request, "patients/evaluations/signed.html", context)

    details_form = EvaluationDetailsForm(
        request.POST or None,
        initial={"performed_on": evaluation.performed_on, "kind": evaluation.kind, "notes": evaluation.notes},
    )
    if request.method == "GET":
        sections = evaluation_sections(evaluation)
        context = _page_context(request, evaluation, sections=sections, details_form=details_form, editing=True)
        return render(request, "patients/evaluations/edit.html", context)

    action = request.POST.get("action", "save")
    posted = {scale: parse_scale_post(request.POST, scale) for scale in SECTION_ORDER}
    if action.startswith("clear:") and action[6:] in SCALES:
        posted[action[6:]] = {item.code: None for item in SCALES[action[6:]].ITEMS}
    errors_by_scale: dict[str, dict[str, str]] = {}
    failed = False
    try:
        with transaction.atomic():
            if not details_form.is_valid():
                failed = True
            else:
                services.evaluation_update(actor=request.user, evaluation=evaluation, **details_form.cleaned_data)
            for scale, items in posted.items():
                if not items:
                    continue
                try:
                    services.evaluation_set_scale_items(
                        actor=request.user, evaluation=evaluation, scale=scale, items=items
                    )
                except ScaleItemsInvalid as exc:
                    errors_by_scale[scale] = {key.split(".", 1)[1]: message for key, message in exc.errors.items()}
            if failed or errors_by_scale:
                raise _Rollback
    except _Rollback:
        pass
    except DomainError as exc:
        details_form.add_error(exc.field if exc.field in details_form.fields else None, exc.message)
        failed = True
    if failed or errors_by_scale:
        messages.error(request, "Nothing was saved: correct the marked answers.")
        evaluation.refresh_from_db()
        sections = evaluation_sections(evaluation, errors_by_scale, posted)
        context = _page_context(request, evaluation, sections=sections, details_form=details_form, editing=True)
        return render(request, "patients/evaluations/edit.html", context)

    if action == "complete":
        try:
            services.evaluation_complete(actor=request.user, evaluation=evaluation)
        except DomainError as exc:
            messages.error(request, f"Saved as a draft, but not signed: {exc.message}")
        else:
            messages.success(request, "Evaluation signed and locked. Later changes are recorded as amendments.")
    else:
        messages.success(request, "Draft saved.")
    anchor = request.POST.get("anchor", "")
    url = reverse("patients:evaluation", args=[evaluation.patient_id, evaluation.pk])
    return redirect(url + (f"#{anchor}" if anchor.isidentifier() else ""))


class _Rollback(Exception):
    pass


@therapist_required
def evaluation_amend(request, patient_id: int, evaluation_id: int, section: str):
    if section not in AMENDABLE:
        raise Http404("No such section.")
    evaluation = _evaluation_of(request, patient_id, evaluation_id, audit=request.method == "GET")
    if not evaluation.is_locked:
        return redirect("patients:evaluation", evaluation.patient_id, evaluation.pk)
    reason_form = AmendReasonForm(request.POST or None)
    details_form = EvaluationDetailsForm(
        request.POST if section == "details" and request.method == "POST" else None,
        initial={"performed_on": evaluation.performed_on, "kind": evaluation.kind, "notes": evaluation.notes},
    )
    errors: dict[str, dict] = {}
    posted: dict[str, dict] = {}
    if request.method == "POST" and reason_form.is_valid():
        reason = reason_form.cleaned_data["reason"]
        try:
            if section == "details":
                if details_form.is_valid():
                    services.evaluation_update(
                        actor=request.user, evaluation=evaluation, reason=reason, **details_form.cleaned_data
                    )
                else:
                    raise _Rollback
            else:
                posted[section] = parse_scale_post(request.POST, section)
                services.evaluation_set_scale_items(
                    actor=request.user, evaluation=evaluation, scale=section, items=posted[section], reason=reason
                )
        except ScaleItemsInvalid as exc:
            errors[section] = {key.split(".", 1)[1]: message for key, message in exc.errors.items()}
        except _Rollback:
            pass
        except DomainError as exc:
            reason_form.add_error("reason" if exc.field == "reason" else None, exc.message)
        else:
            messages.success(request, "Amendment recorded.")
            return redirect(reverse("patients:evaluation", args=[evaluation.patient_id, evaluation.pk]) + "#amendments")
    elif request.method == "POST" and section != "details":
        posted[section] = parse_scale_post(request.POST, section)
    sections = evaluation_sections(evaluation, errors, posted)
    context = _page_context(request, evaluation, sections=sections, details_form=details_form, editing=True)
    context.update(
        {
            "section": section,
            "section_ctx": sections.get(section),
            "reason_form": reason_form,
            "section_title": "Details and notes" if section == "details" else SCALES[section].TITLE,
        }
    )
    return render(request, "patients/evaluations/amend.html", context)


@therapist_required
@require_POST
def evaluation_discard(request, patient_id: int, evaluation_id: int):
    evaluation = _evaluation_of(request, patient_id, evaluation_id, audit=False)
    try:
        services.evaluation_discard(actor=request.user, evaluation=evaluation)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("patients:evaluation", evaluation.patient_id, evaluation.pk)
    messages.success(request, "Draft deleted.")
    return redirect("patients:evaluations", patient_id)


@therapist_required
def evaluation_compare(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="evaluation.compare")
    evaluations = list(selectors.evaluations_of(patient))
    first = second = None
    rows = []
    a, b = request.GET.get("a"), request.GET.get("b")
    if a and b:
        picked = [
            _evaluation_of(request, patient.pk, a, action="evaluation.compare"),
            _evaluation_of(request, patient.pk, b, action="evaluation.compare"),
        ]
        picked.sort(key=lambda e: (e.performed_on, e.pk))
        first, second = picked
        rows = compare(first, second)
    elif len(evaluations) >= 2:
        return redirect(
            reverse("patients:evaluation-compare", args=[patient.pk]) + f"?a={evaluations[1].pk}&b={evaluations[0].pk}"
        )
    return render(
        request,
        "patients/evaluations/compare.html",
        {
            "patient": patient,
            "active_tab": "progress",
            "evaluations": evaluations,
            "first": first,
            "second": second,
            "rows": rows,
            "days_between": (second.performed_on - first.performed_on).days if first and second else None,
        },
    )


@therapist_required
def evaluation_report(request, patient_id: int, evaluation_id: int):
    from patients.evaluations.report import build_evaluation_report

    evaluation = _evaluation_of(request, patient_id, evaluation_id, action="evaluation.report")
    pdf = build_evaluation_report(evaluation)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"evaluation-{evaluation.patient.record_number}-{evaluation.performed_on:%Y%m%d}.pdf"
    disposition = "attachment" if request.GET.get("download") == "1" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@therapist_required
@require_POST
def evaluation_complete(request, patient_id: int, evaluation_id: int):
    evaluation = _evaluation_of(request, patient_id, evaluation_id, audit=False)
    try:
        services.evaluation_complete(actor=request.user, evaluation=evaluation)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Evaluation signed and locked.")
    return redirect("patients:evaluation", evaluation.patient_id, evaluation.pk)
