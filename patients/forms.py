"""Forms of the patient record pages. Domain rules live in services; forms check shape and types."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from clinic.models import User
from patients.models import Consent, Evaluation, Patient, RecoveryStage, TreatmentEvent
from patients.models.questionnaire import INSTRUMENT_CHOICES


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PatientForm(forms.ModelForm):
    care_team = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Therapists who follow this patient.",
    )

    class Meta:
        model = Patient
        fields = [*Patient.EDITABLE_FIELDS, "care_team"]
        widgets = {
            "date_of_birth": DateInput(),
            "onset_date": DateInput(),
            "history": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"etiology": "Cause (etiology)", "stage": "Recovery stage", "history": "Relevant history"}

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["care_team"].queryset = User.objects.filter(
            clinic=clinic, role=User.Role.THERAPIST, is_active=True
        ).order_by("last_name", "first_name")
        self.fields["care_team"].label_from_instance = lambda user: f"{user.display_name} ({user.title or 'therapist'})"
        self.fields["stage"].help_text = "Decides what a home program may contain (no forced movement in stage 1)."


class StageForm(forms.Form):
    stage = forms.TypedChoiceField(choices=RecoveryStage.choices, coerce=int)
    note = forms.CharField(max_length=300, required=False, label="Why (optional)")


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(choices=Consent.Kind.choices, label="Consent to")
    granted = forms.TypedChoiceField(
        choices=[("1", "Given"), ("0", "Refused")], coerce=lambda v: v == "1", widget=forms.RadioSelect, initial="1"
    )
    method = forms.ChoiceField(choices=Consent.Method.choices)
    given_on = forms.DateField(widget=DateInput(), initial=timezone.localdate, label="Date")
    note = forms.CharField(max_length=300, required=False)


class NewEvaluationForm(forms.Form):
    performed_on = forms.DateField(widget=DateInput(), initial=timezone.localdate, label="Date")
    kind = forms.ChoiceField(choices=Evaluation.Kind.choices)


class EvaluationDetailsForm(forms.Form):
    performed_on = forms.DateField(widget=DateInput(), label="Date")
    kind = forms.ChoiceField(choices=Evaluation.Kind.choices)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)


class AmendReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for the amendment",
        help_text="Kept with the change, who made it and when.",
        min_length=3,
    )


class AssignQuestionnaireForm(forms.Form):
    instrument = forms.ChoiceField(choices=INSTRUMENT_CHOICES, label="Questionnaire")
    due_on = forms.DateField(
        widget=DateInput(), required=False, label="Fill in before", help_text="Usually the day of the next visit."
    )
    message = forms.CharField(max_length=300, required=False, label="Note to the patient")
    evaluation = forms.ModelChoiceField(
        queryset=Evaluation.objects.none(), required=False, label="For the evaluation (optional)"
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluation"].queryset = patient.evaluations.all()


class TreatmentForm(forms.Form):
    kind = forms.ChoiceField(choices=TreatmentEvent.Kind.choices)
    performed_on = forms.DateField(widget=DateInput(), label="Date")
    title = forms.CharField(max_length=160, label="What was done")
    side = forms.ChoiceField(
        choices=[("", "—"), ("left", "Left"), ("right", "Right"), ("bilateral", "Both sides")], required=False
    )
    detail = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ToxinInjectionForm(forms.Form):
    given_on = forms.DateField(widget=DateInput(), label="Date")
    product = forms.CharField(max_length=80, widget=forms.TextInput(attrs={"list": "toxin-products"}))
    injector = forms.CharField(max_length=120, required=False, help_text="When someone outside the clinic injected.")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class WordingImportForm(forms.Form):
    payload = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        label="JSON",
        help_text='{"instrument": "face", "licence": "…", "instructions": "…", "items": {"face_1": "…", …}}',
    )
