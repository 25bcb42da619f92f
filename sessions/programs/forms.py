from __future__ import annotations

from django import forms

from sessions.models import Area, Category, Kind, PracticeLog

STAGE_CHOICES = [(1, "Stage 1"), (2, "Stage 2"), (3, "Stage 3"), (4, "Stage 4")]


class ExerciseForm(forms.Form):
    title = forms.CharField(max_length=120)
    category = forms.ChoiceField(choices=Category.choices)
    kind = forms.ChoiceField(
        choices=Kind.choices, help_text="“Facial movement” exercises are refused at stage 1 unless overridden."
    )
    area = forms.ChoiceField(choices=Area.choices, help_text="Used to rotate areas of the face across days.")
    summary = forms.CharField(max_length=240, required=False)
    steps = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), help_text="One step per line, in plain words.")
    emotional_cue = forms.CharField(max_length=240, required=False, help_text="The feeling to pair with the movement.")
    target_muscles = forms.CharField(max_length=400, required=False, help_text="Comma-separated.")
    reps = forms.IntegerField(min_value=1, max_value=50, initial=5)
    hold_seconds = forms.IntegerField(min_value=0, max_value=600, initial=3, label="Hold (seconds)")
    sets = forms.IntegerField(min_value=1, max_value=10, initial=1)
    times_per_day = forms.IntegerField(min_value=1, max_value=6, initial=1)
    days_per_week = forms.IntegerField(min_value=1, max_value=7, initial=7)
    stages = forms.TypedMultipleChoiceField(
        choices=STAGE_CHOICES, coerce=int, widget=forms.CheckboxSelectMultiple, label="Suits stages"
    )
    precautions = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    change_note = forms.CharField(max_length=200, required=False, help_text="What changed in this version.")

    @classmethod
    def initial_from(cls, version) -> dict:
        return {
            **{
                f: getattr(version, f)
                for f in (
                    "title",
                    "category",
                    "kind",
                    "area",
                    "summary",
                    "emotional_cue",
                    "reps",
                    "hold_seconds",
                    "sets",
                    "times_per_day",
                    "days_per_week",
                    "precautions",
                )
            },
            "steps": "\n".join(version.steps),
            "target_muscles": ", ".join(version.target_muscles),
            "stages": version.stages,
        }

    def version_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("change_note", None)
        data["steps"] = [line.strip() for line in data["steps"].splitlines() if line.strip()]
        data["target_muscles"] = [m.strip() for m in data["target_muscles"].split(",") if m.strip()]
        return data


class MediaForm(forms.Form):
    file = forms.FileField()
    caption = forms.CharField(max_length=160, required=False)


class NewProgramForm(forms.Form):
    source = forms.ChoiceField(label="Start from", required=False)
    title = forms.CharField(max_length=120, required=False)
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        required=False,
        help_text="Leave empty to use the template's length (4 weeks).",
    )

    def __init__(self, *args, templates=(), programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "An empty program")]
        if templates:
            choices.append(("Stage templates", [(f"t{t.pk}", t.name) for t in templates]))
        if programs:
            choices.append(
                ("This patient's programs", [(f"p{p.pk}", f"{p.title} ({p.start_date:%d %b %Y})") for p in programs])
            )
        self.fields["source"].choices = choices


class ProgramSettingsForm(forms.Form):
    title = forms.CharField(max_length=120)
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), required=False)
    tightness_threshold = forms.IntegerField(
        min_value=0,
        max_value=10,
        required=False,
        help_text="Tightness (0–10) at or above which the day switches to release work. Empty: the clinic's setting.",
    )
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Note to the patient")
    shared = forms.BooleanField(required=False, label="Let other therapists of the clinic edit this program")

    ROTATION_CHOICES = [("", "Every day")] + [(str(i), f"Day {chr(65 + i)}") for i in range(4)]

    def __init__(self, *args, rotation=None, **kwargs):
        super().__init__(*args, **kwargs)
        group_of = {area: str(i) for i, group in enumerate(rotation or []) for area in group}
        for value, label in Area.choices:
            self.fields[f"area_{value}"] = forms.ChoiceField(
                choices=self.ROTATION_CHOICES, required=False, label=label, initial=group_of.get(value, "")
            )

    def area_fields(self):
        return [self[f"area_{value}"] for value, _ in Area.choices]

    def rotation_groups(self) -> list[list[str]]:
        groups: dict[int, list[str]] = {}
        for value, _ in Area.choices:
            choice = self.cleaned_data.get(f"area_{value}")
            if choice not in (None, ""):
                groups.setdefault(int(choice), []).append(value)
        return [groups[k] for k in sorted(groups)]


class DoseForm(forms.Form):
    reps = forms.IntegerField(min_value=1, max_value=50, required=False)
    hold_seconds = forms.IntegerField(min_value=0, max_value=600, required=False)
    sets = forms.IntegerField(min_value=1, max_value=10, required=False)
    times_per_day = forms.IntegerField(min_value=1, max_value=6, required=False)
    days_per_week = forms.IntegerField(min_value=1, max_value=7, required=False)
    every_day = forms.BooleanField(required=False)
    notes = forms.CharField(max_length=300, required=False)


class AddItemForm(DoseForm):
    exercise = forms.IntegerField()
    override_reason = forms.CharField(max_length=300, required=False)


class LogForm(forms.Form):
    status = forms.ChoiceField(choices=PracticeLog.Status.choices, widget=forms.RadioSelect, initial="done")
    difficulty = forms.TypedChoiceField(
        choices=[("", "—")] + list(PracticeLog.Difficulty.choices), coerce=int, required=False, empty_value=None
    )
    tightness = forms.IntegerField(min_value=0, max_value=10, required=False)
    note = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TightnessForm(forms.Form):
    tightness = forms.IntegerField(min_value=0, max_value=10)
