from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from clinic.models import Chair, Clinic, User


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.CharField(
        label="E-mail", max_length=254, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label="6-digit code",
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError("The code is made of digits only.")
        return token


class InviteForm(forms.Form):
    role = forms.ChoiceField(choices=User.Role.choices)
    first_name = forms.CharField(max_length=80)
    last_name = forms.CharField(max_length=80)
    email = forms.EmailField()
    title = forms.CharField(max_length=80, required=False, help_text="For therapists: OT, PT, SLP…")
    record_number = forms.CharField(
        max_length=32, required=False, help_text="For patients: the clinic record number (created if new)."
    )

    def clean(self):
        data = super().clean()
        if data.get("role") == User.Role.PATIENT and not data.get("record_number"):
            self.add_error("record_number", "A patient account needs the clinic record number.")
        return data


class ClinicSettingsForm(forms.ModelForm):
    class Meta:
        model = Clinic
        fields = [
            "name",
            "timezone",
            "mains_frequency_hz",
            "require_staff_2fa",
            "tightness_alert_threshold",
            "contact_email",
            "phone",
        ]

    def clean_timezone(self) -> str:
        value = self.cleaned_data["timezone"]
        if value not in zoneinfo.available_timezones():
            raise forms.ValidationError("Unknown time zone; use a name like Europe/London.")
        return value

    def clean_tightness_alert_threshold(self) -> int:
        value = self.cleaned_data["tightness_alert_threshold"]
        if not 0 <= value <= 10:
            raise forms.ValidationError("Tightness is reported on a 0–10 scale.")
        return value


class ChairForm(forms.Form):
    name = forms.CharField(max_length=80)
    room = forms.CharField(max_length=80, required=False)


class DeviceForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="e.g. the Pi's hostname")
    chair = forms.ModelChoiceField(queryset=Chair.objects.none(), required=False)

    def __init__(self, *args, clinic: Clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = Chair.objects.filter(clinic=clinic, is_active=True)


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, label="Who")
    action = forms.CharField(required=False, help_text="Prefix, e.g. patient. or device.")
    outcome = forms.ChoiceField(required=False, choices=[("", "Any"), ("ok", "Allowed"), ("denied", "Denied")])
    patient_id = forms.IntegerField(required=False, min_value=1, label="Patient id")
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
