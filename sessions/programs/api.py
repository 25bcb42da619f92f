"""REST API of the exercise library, home programs and practice (thin: access helpers + services)."""

from __future__ import annotations

from datetime import timedelta

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from clinic.audit import audit_record
from patients.access import access_patient
from sessions.models import Area, Category, Kind, PracticeLog, Program, ProgramTemplate
from sessions.programs import adherence, schedule, selectors, services
from sessions.programs.access import (
    access_exercise,
    access_item,
    access_practice_item,
    access_program,
    access_program_for_edit,
    access_template,
    programs_visible_to,
)
from sessions.programs.dates import clinic_today
from sessions.programs.practice import active_program, day_plan, practice_log, tightness_report


def _therapist(user) -> None:
    if not user.is_therapist:
        raise PermissionDenied("Only therapists can do this.")


def _patient_self(request):
    if not request.user.is_patient:
        raise PermissionDenied("This endpoint is for patients.")
    own = request.user.patient.pk if hasattr(request.user, "patient") else None
    return own


# --- Serializers -----------------------------------------------------------------------------------
class DoseSerializer(serializers.Serializer):
    reps = serializers.IntegerField()
    hold_seconds = serializers.IntegerField()
    sets = serializers.IntegerField()
    times_per_day = serializers.IntegerField()
    days_per_week = serializers.IntegerField()
    description = serializers.CharField()


def _dose_data(dose: schedule.Dose) -> dict:
    return {**dose.__dict__, "description": dose.describe()}


class ExerciseVersionOutput(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    kind = serializers.ChoiceField(choices=Kind.choices)
    area = serializers.ChoiceField(choices=Area.choices)
    summary = serializers.CharField()
    steps = serializers.ListField(child=serializers.CharField())
    emotional_cue = serializers.CharField()
    target_muscles = serializers.ListField(child=serializers.CharField())
    reps = serializers.IntegerField()
    hold_seconds = serializers.IntegerField()
    sets = serializers.IntegerField()
    times_per_day = serializers.IntegerField()
    days_per_week = serializers.IntegerField()
    stages = serializers.ListField(child=serializers.IntegerField())
    precautions = serializers.CharField()


class ExerciseOutput(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    is_archived = serializers.BooleanField()
    current = ExerciseVersionOutput()
    media = serializers.SerializerMethodField()

    def get_media(self, obj) -> list[dict]:
        from django.urls import reverse

        return [
            {"id": m.pk, "kind": m.kind, "caption": m.caption, "url": reverse("therapy:media", args=[m.pk])}
            for m in obj.media.all()
        ]


class ExerciseInput(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    category = serializers.ChoiceField(choices=Category.choices)
    kind = serializers.ChoiceField(choices=Kind.choices)
    area = serializers.ChoiceField(choices=Area.choices)
    summary = serializers.CharField(max_length=240, required=False, allow_blank=True, default="")
    steps = serializers.ListField(child=serializers.CharField(), min_length=1)
    emotional_cue = serializers.CharField(max_length=240, required=False, allow_blank=True, default="")
    target_muscles = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    reps = serializers.IntegerField(min_value=1, max_value=50, default=5)
    hold_seconds = serializers.IntegerField(min_value=0, max_value=600, default=0)
    sets = serializers.IntegerField(min_value=1, max_value=10, default=1)
    times_per_day = serializers.IntegerField(min_value=1, max_value=6, default=1)
    days_per_week = serializers.IntegerField(min_value=1, max_value=7, default=7)
    stages = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=4), min_length=1)
    precautions = serializers.CharField(required=False, allow_blank=True, default="")


class ExerciseUpdateInput(ExerciseInput):
    change_note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ItemOutput(serializers.Serializer):
    id = serializers.IntegerField()
    exercise_id = serializers.IntegerField(source="version.exercise_id")
    version = serializers.IntegerField(source="version.number")
    title = serializers.CharField(source="version.title")
    kind = serializers.CharField(source="version.kind")
    area = serializers.CharField(source="version.area")
    every_day = serializers.BooleanField()
    notes = serializers.CharField()
    override_reason = serializers.CharField()
    dose = serializers.SerializerMethodField()

    def get_dose(self, obj) -> dict:
        return _dose_data(schedule.dose_of(obj))


class LoadOutput(serializers.Serializer):
    average_exercises = serializers.FloatField()
    average_minutes = serializers.FloatField()
    max_exercises = serializers.IntegerField()
    max_minutes = serializers.FloatField()
    limit_exercises = serializers.IntegerField()
    limit_minutes = serializers.IntegerField()
    level = serializers.CharField()
    days = serializers.ListField(child=serializers.DictField())


def _load_data(program: Program, items) -> dict:
    load = schedule.program_load(items, program=program)
    return {
        **{
            k: getattr(load, k)
            for k in (
                "average_exercises",
                "average_minutes",
                "max_exercises",
                "max_minutes",
                "limit_exercises",
                "limit_minutes",
                "level",
            )
        },
        "days": [
            {"label": d.label, "exercises": d.exercises, "sessions": d.sessions, "minutes": d.minutes}
            for d in load.days
        ],
    }


class ProgramOutput(serializers.Serializer):
    id = serializers.IntegerField()
    patient_id = serializers.IntegerField()
    author = serializers.CharField(source="author.username")
    title = serializers.CharField()
    status = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    rotation = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    tightness_threshold = serializers.IntegerField(source="effective_threshold")
    shared = serializers.BooleanField()
    message = serializers.CharField()
    stage_at_creation = serializers.IntegerField()
    items = serializers.SerializerMethodField()
    load = serializers.SerializerMethodField()

    def _items(self, obj):
        if not hasattr(obj, "_api_items"):
            obj._api_items = list(obj.items.select_related("version").order_by("order", "id"))
        return obj._api_items

    def get_items(self, obj) -> list[dict]:
        return ItemOutput(self._items(obj), many=True).data

    def get_load(self, obj) -> dict:
        return _load_data(obj, self._items(obj))


class ProgramCreateInput(serializers.Serializer):
    title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    template_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    source_program_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class ProgramUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=120, required=False)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False, allow_null=True)
    rotation = serializers.ListField(child=serializers.ListField(child=serializers.CharField()), required=False)
    tightness_threshold = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
    shared = serializers.BooleanField(required=False)
    message = serializers.CharField(required=False, allow_blank=True)


class ItemDoseInput(serializers.Serializer):
    reps = serializers.IntegerField(required=False, allow_null=True)
    hold_seconds = serializers.IntegerField(required=False, allow_null=True)
    sets = serializers.IntegerField(required=False, allow_null=True)
    times_per_day = serializers.IntegerField(required=False, allow_null=True)
    days_per_week = serializers.IntegerField(required=False, allow_null=True)
    every_day = serializers.BooleanField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=300)


class ItemAddInput(ItemDoseInput):
    exercise_id = serializers.IntegerField()
    override_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class ItemUpdateInput(ItemDoseInput):
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=300)
    order = serializers.IntegerField(required=False, min_value=0)


class FinishInput(serializers.Serializer):
    discontinue = serializers.BooleanField(default=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class TemplateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()
    stage = serializers.IntegerField(allow_null=True)
    description = serializers.CharField()
    rotation = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    duration_days = serializers.IntegerField()
    exercise_ids = serializers.SerializerMethodField()

    def get_exercise_ids(self, obj) -> list[int]:
        return [i.exercise_id for i in obj.items.all()]


class LogOutput(serializers.Serializer):
    id = serializers.IntegerField()
    item_id = serializers.IntegerField()
    title = serializers.CharField(source="item.version.title")
    date = serializers.DateField()
    session = serializers.IntegerField()
    status = serializers.CharField()
    difficulty = serializers.IntegerField(allow_null=True)
    tightness = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()
    on_release_plan = serializers.BooleanField()


class LogInput(serializers.Serializer):
    item_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=PracticeLog.Status.choices)
    difficulty = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5, default=None)
    tightness = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=10, default=None)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    date = serializers.DateField(required=False, allow_null=True, default=None)


class LogResultOutput(serializers.Serializer):
    log = LogOutput()
    release_day = serializers.BooleanField()


class TightnessInput(serializers.Serializer):
    tightness = serializers.IntegerField(min_value=0, max_value=10)


class TodayEntryOutput(serializers.Serializer):
    item_id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    area = serializers.CharField()
    steps = serializers.ListField(child=serializers.CharField())
    emotional_cue = serializers.CharField()
    precautions = serializers.CharField()
    dose = DoseSerializer()
    sessions_done = serializers.IntegerField()
    sessions_target = serializers.IntegerField()


class TodayOutput(serializers.Serializer):
    date = serializers.DateField()
    program_id = serializers.IntegerField(allow_null=True)
    release_day = serializers.BooleanField()
    tightness_threshold = serializers.IntegerField(allow_null=True)
    entries = TodayEntryOutput(many=True)
    paused = serializers.ListField(child=serializers.CharField())


class AdherenceOutput(serializers.Serializer):
    last_7_days = serializers.FloatField(allow_null=True)
    current_streak = serializers.IntegerField()
    longest_streak = serializers.IntegerField()
    days = serializers.ListField(child=serializers.DictField())
    weekly = serializers.ListField(child=serializers.DictField())


# --- Library ---------------------------------------------------------------------------------------
class ExerciseListApi(GenericAPIView):
    pagination_class = None  # a plain list, and the schema says so
    serializer_class = ExerciseOutput

    @extend_schema(
        responses=ExerciseOutput(many=True),
        summary="The clinic's exercise library",
        parameters=[OpenApiParameter(n, str, required=False) for n in ("category", "kind", "area", "stage", "q")],
    )
    def get(self, request):
        _therapist(request.user)
        filters = {k: request.query_params.get(k, "") for k in ("category", "kind", "area", "stage", "q")}
        return Response(ExerciseOutput(selectors.library(request.user.clinic, **filters), many=True).data)

    @extend_schema(request=ExerciseInput, responses={201: ExerciseOutput}, summary="Add an exercise to the library")
    def post(self, request):
        _therapist(request.user)
        data = ExerciseInput(data=request.data)
        data.is_valid(raise_exception=True)
        exercise = services.exercise_create(actor=request.user, clinic=request.user.clinic, **data.validated_data)
        return Response(ExerciseOutput(exercise).data, status=201)


class ExerciseDetailApi(GenericAPIView):
    serializer_class = ExerciseOutput

    @extend_schema(responses=ExerciseOutput, summary="One exercise (current version)")
    def get(self, request, exercise_id: int):
        return Response(ExerciseOutput(access_exercise(request.user, exercise_id)).data)

    @extend_schema(request=ExerciseUpdateInput, responses=ExerciseOutput, summary="Save a new version of an exercise")
    def patch(self, request, exercise_id: int):
        _therapist(request.user)
        exercise = access_exercise(request.user, exercise_id, action="exercise.update")
        data = ExerciseUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        services.exercise_update(
            actor=request.user, exercise=exercise, change_note=fields.pop("change_note", ""), **fields
        )
        exercise.refresh_from_db()
        return Response(ExerciseOutput(exercise).data)


class TemplateListApi(GenericAPIView):
    pagination_class = None  # a plain list, and the schema says so
    serializer_class = TemplateOutput

    @extend_schema(responses=TemplateOutput(many=True), summary="Program templates of the clinic")
    def get(self, request):
        _therapist(request.user)
        return Response(TemplateOutput(selectors.templates_of(request.user.clinic), many=True).data)


# --- Programs ----------------------------------------------------------------------------------------
class PatientProgramListApi(GenericAPIView):
    pagination_class = None  # a plain list, and the schema says so
    serializer_class = ProgramOutput

    @extend_schema(responses=ProgramOutput(many=True), summary="A patient's home programs")
    def get(self, request, patient_id: int):
        patient = access_patient(request.user, patient_id, action="program.list")
        programs = programs_visible_to(request.user).filter(patient=patient).select_related("author", "clinic")
        return Response(ProgramOutput(programs, many=True).data)

    @extend_schema(
        request=ProgramCreateInput,
        responses={201: ProgramOutput},
        summary="Create a draft program (empty, from a template or from a past program)",
    )
    def post(self, request, patient_id: int):
        _therapist(request.user)
        patient = access_patient(request.user, patient_id, action="program.create", audit_read=False)
        data = ProgramCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        template = access_template(request.user, v["template_id"]) if v["template_id"] else None
        source = None
        if v["source_program_id"]:
            source = access_program(request.user, v["source_program_id"], audit_read=False)
            if source.patient_id != patient.pk:
                raise ValidationError({"source_program_id": ["Copy one of this patient's programs."]})
        program = services.program_create(
            actor=request.user,
            patient=patient,
            title=v["title"],
            start_date=v["start_date"],
            end_date=v["end_date"],
            template=template,
            source=source,
        )
        return Response(ProgramOutput(program).data, status=201)


class ProgramDetailApi(GenericAPIView):
    serializer_class = ProgramOutput

    @extend_schema(responses=ProgramOutput, summary="A program with its items and load")
    def get(self, request, program_id: int):
        return Response(ProgramOutput(access_program(request.user, program_id)).data)

    @extend_schema(request=ProgramUpdateInput, responses=ProgramOutput, summary="Change a program's settings")
    def patch(self, request, program_id: int):
        program = access_program_for_edit(request.user, program_id)
        data = ProgramUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        program = services.program_update(actor=request.user, program=program, **data.validated_data)
        return Response(ProgramOutput(program).data)


class ProgramItemAddApi(GenericAPIView):
    serializer_class = ItemOutput

    @extend_schema(
        request=ItemAddInput,
        responses={201: ItemOutput},
        summary="Add an exercise (stage 1 refuses movement exercises without override_reason)",
    )
    def post(self, request, program_id: int):
        program = access_program_for_edit(request.user, program_id)
        data = ItemAddInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        exercise = access_exercise(request.user, v.pop("exercise_id"))
        item = services.program_item_add(
            actor=request.user,
            program=program,
            exercise=exercise,
            **{k: val for k, val in v.items() if val is not None},
        )
        return Response(ItemOutput(item).data, status=201)


class ProgramItemApi(GenericAPIView):
    serializer_class = ItemOutput

    @extend_schema(request=ItemUpdateInput, responses=ItemOutput, summary="Change an item's dosage or note")
    def patch(self, request, item_id: int):
        item = access_item(request.user, item_id, action="program.item_update", for_edit=True)
        data = ItemUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        item = services.program_item_update(actor=request.user, item=item, **data.validated_data)
        return Response(ItemOutput(item).data)

    @extend_schema(responses={204: None}, summary="Remove an item")
    def delete(self, request, item_id: int):
        item = access_item(request.user, item_id, action="program.item_remove", for_edit=True)
        services.program_item_remove(actor=request.user, item=item)
        return Response(status=204)


class ProgramActivateApi(GenericAPIView):
    serializer_class = ProgramOutput

    @extend_schema(request=None, responses=ProgramOutput, summary="Give the program to the patient")
    def post(self, request, program_id: int):
        program = access_program_for_edit(request.user, program_id, action="program.activate")
        return Response(ProgramOutput(services.program_activate(actor=request.user, program=program)).data)


class ProgramFinishApi(GenericAPIView):
    serializer_class = ProgramOutput

    @extend_schema(request=FinishInput, responses=ProgramOutput, summary="Complete or discontinue a program")
    def post(self, request, program_id: int):
        program = access_program_for_edit(request.user, program_id, action="program.finish")
        data = FinishInput(data=request.data)
        data.is_valid(raise_exception=True)
        program = services.program_finish(actor=request.user, program=program, **data.validated_data)
        return Response(ProgramOutput(program).data)


class ProgramTemplateFromApi(GenericAPIView):
    serializer_class = TemplateOutput

    class Input(serializers.Serializer):
        name = serializers.CharField(max_length=120)
        description = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=Input, responses={201: TemplateOutput}, summary="Save a completed program as a template")
    def post(self, request, program_id: int):
        _therapist(request.user)
        program = access_program(request.user, program_id, action="program.save_as_template", audit_read=False)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        template = services.template_from_program(actor=request.user, program=program, **data.validated_data)
        return Response(TemplateOutput(ProgramTemplate.objects.get(pk=template.pk)).data, status=201)


# --- Practice ------------------------------------------------------------------------------------------
def _today_data(patient) -> dict:
    program = active_program(patient)
    today = clinic_today(patient.clinic)
    plan = day_plan(program, today)
    return {
        "date": today,
        "program_id": program.pk if program else None,
        "release_day": plan.is_release_day,
        "tightness_threshold": program.effective_threshold if program else None,
        "entries": [
            {
                "item_id": e.item.pk,
                "title": e.item.version.title,
                "kind": e.item.version.kind,
                "area": e.item.version.area,
                "steps": e.item.version.steps,
                "emotional_cue": e.item.version.emotional_cue,
                "precautions": e.item.version.precautions,
                "dose": _dose_data(e.dose),
                "sessions_done": e.sessions_done,
                "sessions_target": e.sessions_target,
            }
            for e in plan.entries
        ],
        "paused": [i.version.title for i in plan.paused],
    }


class MyTodayApi(GenericAPIView):
    serializer_class = TodayOutput

    @extend_schema(responses=TodayOutput, summary="The patient's plan for today (the release plan on a tight day)")
    def get(self, request):
        patient = access_patient(request.user, _patient_self(request), action="portal.view")
        return Response(TodayOutput(_today_data(patient)).data)


class MyPracticeLogApi(GenericAPIView):
    serializer_class = LogOutput

    @extend_schema(responses=LogOutput(many=True), summary="The patient's practice log")
    def get(self, request):
        patient = access_patient(request.user, _patient_self(request), action="practice.history")
        logs = PracticeLog.objects.filter(patient=patient).select_related("item__version")
        page = self.paginate_queryset(logs)
        return self.get_paginated_response(LogOutput(page, many=True).data)

    @extend_schema(request=LogInput, responses={201: LogResultOutput}, summary="Log one practice of an exercise")
    def post(self, request):
        _patient_self(request)
        data = LogInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        item = access_practice_item(request.user, v.pop("item_id"))
        result = practice_log(actor=request.user, item=item, day=v.pop("date"), **v)
        return Response({"log": LogOutput(result.log).data, "release_day": result.release is not None}, status=201)


class MyTightnessApi(GenericAPIView):
    serializer_class = TodayOutput

    @extend_schema(
        request=TightnessInput,
        responses={201: TodayOutput},
        summary="Report tightness (0–10); at or above the threshold today becomes a release day",
    )
    def post(self, request):
        patient = access_patient(request.user, _patient_self(request), action="practice.tightness", audit_read=False)
        data = TightnessInput(data=request.data)
        data.is_valid(raise_exception=True)
        tightness_report(actor=request.user, patient=patient, value=data.validated_data["tightness"])
        return Response(TodayOutput(_today_data(patient)).data, status=201)


class PatientPracticeLogApi(GenericAPIView):
    serializer_class = LogOutput

    @extend_schema(responses=LogOutput(many=True), summary="A patient's practice log (therapists)")
    def get(self, request, patient_id: int):
        _therapist(request.user)
        patient = access_patient(request.user, patient_id, action="practice.list")
        logs = PracticeLog.objects.filter(patient=patient).select_related("item__version")
        page = self.paginate_queryset(logs)
        return self.get_paginated_response(LogOutput(page, many=True).data)


class PatientAdherenceApi(GenericAPIView):
    serializer_class = AdherenceOutput

    @extend_schema(responses=AdherenceOutput, summary="Adherence against the schedule: last 28 days, streaks, weekly")
    def get(self, request, patient_id: int):
        patient = access_patient(request.user, patient_id, action="practice.adherence")
        today = clinic_today(patient.clinic)
        days = adherence.days_for(patient, today - timedelta(days=27), today)
        streaks = adherence.streaks(days, today=today)
        recent, _ = adherence.recent_adherence(patient, today=today)
        return Response(
            AdherenceOutput(
                {
                    "last_7_days": recent,
                    "current_streak": streaks.current,
                    "longest_streak": streaks.longest,
                    "days": [
                        {"date": d.day, "target": d.target, "credit": d.credit, "release": d.release} for d in days
                    ],
                    "weekly": adherence.weekly_series(patient, today=today),
                }
            ).data
        )


class DashboardApi(GenericAPIView):
    pagination_class = None  # a plain list, and the schema says so

    class Output(serializers.Serializer):
        patient_id = serializers.IntegerField()
        patient = serializers.CharField()
        kind = serializers.CharField()
        severity = serializers.CharField()
        message = serializers.CharField()
        url = serializers.CharField()

    serializer_class = Output

    @extend_schema(
        responses=Output(many=True),
        summary="The therapist's dashboard alerts",
        parameters=[OpenApiParameter("scope", str, enum=["mine", "clinic"], required=False)],
    )
    def get(self, request):
        from sessions.programs.dashboard import dashboard_for

        _therapist(request.user)
        scope = "clinic" if request.query_params.get("scope") == "clinic" else "mine"
        board = dashboard_for(request.user, scope=scope)
        audit_record(actor=request.user, action="dashboard.view", object_type="patient", extra={"scope": scope})
        from django.urls import reverse

        rows = [
            {
                "patient_id": r.patient_id,
                "patient": r.patient.full_name,
                "kind": "tightness_flag",
                "severity": "danger",
                "url": reverse("therapy:patient-program", args=[r.patient_id]),
                "message": f"Tightness {r.tightness}/10 on {r.date:%d %b} (switch at {r.threshold}).",
            }
            for r in board.tightness_flags
        ]
        rows += [
            {
                "patient_id": a["patient"].pk,
                "patient": a["patient"].full_name,
                "kind": a["kind"],
                "severity": a["severity"],
                "message": a["message"],
                "url": a["url"],
            }
            for a in board.alerts
        ]
        return Response(self.Output(rows, many=True).data)
