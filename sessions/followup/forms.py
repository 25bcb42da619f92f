from __future__ import annotations

from django import forms

from sessions.models import Appointment, FollowUpGoal, VisitFrequency


class PlanForm(forms.Form):
    frequency = forms.ChoiceField(choices=VisitFrequency.choices, label="Visit frequency")
    next_review_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), required=False, label="Next program review"
    )
    reevaluation_due = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), required=False, label="Re-evaluation due"
    )
    reminders_enabled = forms.BooleanField(required=False, label="E-mail the patient before visits")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class GoalForm(forms.Form):
    description = forms.CharField(max_length=240)
    measure = forms.ChoiceField(required=False, label="Measured on")
    target_value = forms.FloatField(required=False, label="Target score")
    target_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), required=False)

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [("", "Judged at review (no score)")] + [
            (m["key"], m["label"]) for m in measures
        ]


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(choices=FollowUpGoal.Status.choices)


class AppointmentForm(forms.Form):
    kind = forms.ChoiceField(choices=Appointment.Kind.choices)
    starts_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        label="Starts",
    )
    duration_minutes = forms.IntegerField(min_value=5, max_value=480, initial=45, label="Minutes")
    location = forms.CharField(max_length=120, required=False)
    count = forms.IntegerField(
        min_value=1,
        max_value=26,
        initial=1,
        label="Number of visits",
        help_text="More than one books a series at the plan's frequency.",
    )


class DischargeForm(forms.Form):
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Discharge summary")
    final_program = forms.ChoiceField(required=False, label="Final home plan")
