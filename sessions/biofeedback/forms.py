from __future__ import annotations

from django import forms

from sessions.models import BiofeedbackSession
from sessions.models.biofeedback import MUSCLES, SIDES

# Exercise prompts with the emotion to pair them with (CLINICAL.md 1: pair each movement with the
# matching emotion). The therapist can type any other prompt.
PROMPTS = (
    ("Smile", "Smile thinking of something that makes you happy"),
    ("Raise your eyebrows", "Imagine walking into a surprise party"),
    ("Close your eyes gently", "Picture drifting off to sleep somewhere calm"),
    ("Pucker your lips", "Imagine blowing a kiss to someone you love"),
    ("Small, slow smile on the weak side", "Think of a quiet, pleasant memory"),
)


class StartSessionForm(forms.Form):
    chair = forms.ModelChoiceField(queryset=None, empty_label=None)
    protocol = forms.ChoiceField(choices=BiofeedbackSession.Protocol.choices)
    muscle_1 = forms.ChoiceField(choices=MUSCLES, label="Channel 1 muscle", initial="zygomaticus_major")
    side_1 = forms.ChoiceField(choices=SIDES, label="Channel 1 side", initial="left")
    muscle_2 = forms.ChoiceField(choices=MUSCLES, label="Channel 2 muscle", initial="zygomaticus_major")
    side_2 = forms.ChoiceField(choices=SIDES, label="Channel 2 side", initial="right")
    target_channel = forms.TypedChoiceField(
        choices=[(0, "Channel 1"), (1, "Channel 2")],
        coerce=int,
        initial=0,
        label="Target channel",
        help_text="Inhibition and uptraining: the muscle to bring up (the other one is the synkinetic channel).",
    )
    threshold_pct = forms.FloatField(
        min_value=0,
        max_value=200,
        required=False,
        label="Threshold (%)",
        help_text="Target line in % of calibration (symmetry: % of an equal left/right ratio). Empty: the default.",
    )
    ceiling_pct = forms.FloatField(
        min_value=0, max_value=200, required=False, label="Ceiling (%)", help_text="Inhibition: synkinetic ceiling."
    )

    def __init__(self, *args, chairs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = chairs

    def sites(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {"muscle": data["muscle_1"], "side": data["side_1"]},
            {"muscle": data["muscle_2"], "side": data["side_2"]},
        ]
