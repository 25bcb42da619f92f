"""Questionnaire pages: the therapist's tab (assign, results beside clinician scores, paper entry),
the clinic's wording, and the patient's phone-friendly form in the portal."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.decorators import patient_required, therapist_required
from clinic.errors import DomainError
from patients import selectors as record_selectors
from patients.access import access_patient, access_questionnaire
from patients.evaluations.presenters import headline_scores
from patients.forms import AssignQuestionnaireForm, WordingImportForm
from patients.models import QuestionnaireAssignment
from patients.questionnaires import services
from patients.questionnaires.selectors import questionnaires_near
from patients.questionnaires.services import AnswersInvalid
from patients.questionnaires.wording import INSTRUCTIONS_KEY, clinic_texts, instrument_for_clinic
from patients.scales.questionnaires import INSTRUMENTS, face_coded, fdi_social_points
from patients.timeline import questionnaire_summary


def fill_context(assignment: QuestionnaireAssignment, answers: dict | None = None, errors: dict | None = None) -> dict:
    """The questions as the patient sees them (clinic wording when loaded) with any answers and errors."""
    definition = instrument_for_clinic(assignment.patient.clinic, assignment.instrument)
    answers = answers or {}
    errors = errors or {}
    questions = []
    for number, question in enumerate(definition["questions"], start=1):
        chosen = answers.get(question["code"])
        questions.append(
            {
                **question,
                "number": number,
                "name": f"q-{question['code']}",
                "error": errors.get(question["code"], ""),
                "responses": [
                    {
                        **response,
                        "checked": chosen is not None and str(chosen) == str(response["value"]),
                        "id": f"id_{question['code']}_{response['value']}",
                    }
                    for response in question["responses"]
                ],
            }
        )
    return {"definition": definition, "questions": questions, "assignment": assignment}


def parse_answers(data, assignment: QuestionnaireAssignment) -> dict[str, str]:
    instrument = INSTRUMENTS[assignment.instrument]
    return {code: data.get(f"q-{code}", "") for code in instrument.codes}


def answer_rows(assignment: QuestionnaireAssignment) -> list[dict]:
    """Each item with the answer given and the points it counts for."""
    instrument = INSTRUMENTS[assignment.instrument]
    definition = instrument_for_clinic(assignment.patient.clinic, assignment.instrument)
    texts = {q["code"]: q for q in definition["questions"]}
    rows = []
    for number, question in enumerate(instrument.questions, start=1):
        value = assignment.answers.get(question.code)
        response = next((r for r in instrument.responses_for(question) if r.value == value), None)
        if assignment.instrument == "face" and value is not None:
            points = face_coded(question, value)
        elif assignment.instrument == "fdi" and question.domain == "social" and value is not None:
            points = fdi_social_points(question, value)
        else:
            points = value
        rows.append(
            {
                "number": number,
                "text": texts[question.code]["text"],
                "domain": instrument.domains.get(question.domain, ""),
                "answer": response.label if response else "—",
                "points": points,
                "excluded": assignment.instrument == "fdi" and question.domain == "physical" and value == 0,
            }
        )
    return rows


def score_rows(assignment: QuestionnaireAssignment) -> list[dict]:
    instrument = INSTRUMENTS[assignment.instrument]
    scores = assignment.scores or {}
    return [
        {
            "label": definition["label"],
            "value": scores.get(definition["key"]),
            "better": definition["better"],
            "provisional": definition["key"] in scores.get("provisional", []),
            "range": f"{definition['minimum']}–{definition['maximum']}",
        }
        for definition in instrument.scores
    ]


# --- Therapist ---------------------------------------------------------------------------------------


@therapist_required
def questionnaire_tab(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="questionnaire.list")
    form = AssignQuestionnaireForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.questionnaire_assign(actor=request.user, patient=patient, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"{assignment.definition.title} assigned.")
            return redirect("patients:questionnaires", patient.pk)
    today = timezone.localdate()
    assignments = list(record_selectors.questionnaires_of(patient))
    for assignment in assignments:
        assignment.summary = questionnaire_summary(assignment)
        assignment.overdue = (
            assignment.status == "pending" and assignment.due_on is not None and assignment.due_on < today
        )
    beside = []
    for evaluation in record_selectors.evaluations_of(patient, completed_only=True):
        near = {q.instrument: q for q in questionnaires_near(patient, evaluation)}
        beside.append({"evaluation": evaluation, "clinician": headline_scores(evaluation), "reported": near})
    return render(
        request,
        "patients/questionnaires/tab.html",
        {
            "patient": patient,
            "active_tab": "questionnaires",
            "assignments": assignments,
            "form": form,
            "beside": beside,
            "instruments": INSTRUMENTS,
            "wording": {code: instrument_for_clinic(patient.clinic, code)["wording"] for code in INSTRUMENTS},
        },
    )


@therapist_required
def questionnaire_detail(request, patient_id: int, assignment_id: int):
    assignment = access_questionnaire(request.user, assignment_id, audit_read=request.method == "GET")
    if assignment.patient_id != int(patient_id):
        raise Http404("No questionnaire found.")
    patient = assignment.patient
    context = {"patient": patient, "active_tab": "questionnaires", "assignment": assignment}
    if assignment.status == QuestionnaireAssignment.Status.COMPLETED:
        context.update(
            {"answers": answer_rows(assignment), "scores": score_rows(assignment), "instrument": assignment.definition}
        )
        return render(request, "patients/questionnaires/result.html", context)
    answers = errors = None
    if request.method == "POST" and assignment.status == QuestionnaireAssignment.Status.PENDING:
        answers = parse_answers(request.POST, assignment)
        try:
            services.questionnaire_submit(actor=request.user, assignment=assignment, answers=answers)
        except AnswersInvalid as exc:
            errors = exc.errors
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("patients:questionnaire", patient.pk, assignment.pk)
        else:
            messages.success(request, "Answers from the paper form were recorded.")
            return redirect("patients:questionnaire", patient.pk, assignment.pk)
    context.update(fill_context(assignment, answers, errors))
    return render(request, "patients/questionnaires/pending.html", context)


@therapist_required
@require_POST
def questionnaire_cancel(request, patient_id: int, assignment_id: int):
    assignment = access_questionnaire(request.user, assignment_id, audit_read=False)
    if assignment.patient_id != int(patient_id):
        raise Http404("No questionnaire found.")
    try:
        services.questionnaire_cancel(actor=request.user, assignment=assignment)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Questionnaire cancelled.")
    return redirect("patients:questionnaires", assignment.patient_id)


@therapist_required
def wording(request):
    clinic = request.user.clinic
    code = request.GET.get("instrument") or request.POST.get("instrument") or "saq"
    if code not in INSTRUMENTS:
        raise Http404("Unknown questionnaire.")
    instrument = INSTRUMENTS[code]
    import_form = WordingImportForm(request.POST if request.POST.get("form") == "import" else None)
    if request.method == "POST":
        try:
            if request.POST.get("form") == "import":
                if not import_form.is_valid():
                    raise DomainError("Paste the JSON to import.", field="payload")
                try:
                    payload = json.loads(import_form.cleaned_data["payload"])
                except json.JSONDecodeError as exc:
                    raise DomainError(f"Not valid JSON: {exc.msg} (line {exc.lineno}).", field="payload") from None
                changed = services.questionnaire_wording_import(actor=request.user, clinic=clinic, payload=payload)
            else:
                texts = {c: request.POST.get(f"text-{c}", "") for c in (*instrument.codes, INSTRUCTIONS_KEY)}
                changed = services.questionnaire_wording_set(
                    actor=request.user,
                    clinic=clinic,
                    instrument=code,
                    texts=texts,
                    licence=request.POST.get("licence", ""),
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Wording saved ({changed} text(s) changed).")
            return redirect(f"{request.path}?instrument={code}")
    texts = clinic_texts(clinic, code)
    definition = instrument.definition()
    rows = [
        {
            "code": q["code"],
            "number": number,
            "paraphrase": q["text"],
            "licensed": texts[q["code"]].text if q["code"] in texts else "",
        }
        for number, q in enumerate(definition["questions"], start=1)
    ]
    licence = next((w.licence for w in texts.values() if w.licence), "")
    return render(
        request,
        "patients/questionnaires/wording.html",
        {
            "instrument": instrument,
            "instruments": INSTRUMENTS,
            "rows": rows,
            "instructions": texts[INSTRUCTIONS_KEY].text if INSTRUCTIONS_KEY in texts else "",
            "paraphrase_instructions": definition["instructions"],
            "licence": licence,
            "state": instrument_for_clinic(clinic, code)["wording"],
            "import_form": import_form,
        },
    )


# --- Patient portal ------------------------------------------------------------------------------------


@patient_required
def portal_fill(request, assignment_id: int):
    assignment = access_questionnaire(request.user, assignment_id, action="questionnaire.fill", audit_read=False)
    if assignment.patient.user_id != request.user.pk:
        raise Http404("No questionnaire found.")
    if assignment.status == QuestionnaireAssignment.Status.COMPLETED:
        return redirect("portal:questionnaire-done", assignment.pk)
    if assignment.status != QuestionnaireAssignment.Status.PENDING:
        messages.info(request, "This questionnaire was withdrawn by your clinic.")
        return redirect("portal:home")
    answers = errors = None
    if request.method == "POST":
        answers = parse_answers(request.POST, assignment)
        try:
            services.questionnaire_submit(actor=request.user, assignment=assignment, answers=answers)
        except AnswersInvalid as exc:
            errors = exc.errors
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("portal:home")
        else:
            return redirect("portal:questionnaire-done", assignment.pk)
    else:
        from clinic.audit import audit_record

        audit_record(actor=request.user, action="questionnaire.open", obj=assignment)
    context = fill_context(assignment, answers, errors)
    context["patient"] = assignment.patient
    return render(request, "portal/questionnaire_fill.html", context)


@patient_required
def portal_done(request, assignment_id: int):
    assignment = access_questionnaire(request.user, assignment_id, action="questionnaire.view")
    if assignment.patient.user_id != request.user.pk:
        raise Http404("No questionnaire found.")
    remaining = assignment.patient.questionnaires.filter(status=QuestionnaireAssignment.Status.PENDING).order_by(
        "due_on"
    )
    return render(
        request,
        "portal/questionnaire_done.html",
        {"assignment": assignment, "remaining": remaining, "patient": assignment.patient},
    )
