"""Models of the patient record and assessment; one module per area."""

from patients.models.evaluation import Evaluation, EvaluationAmendment, EvaluationScale
from patients.models.media import AssetGrading, GradingRun, GradingSuggestion, MediaAsset, MediaView
from patients.models.questionnaire import QuestionnaireAssignment, QuestionnaireReminder, QuestionnaireWording
from patients.models.record import Consent, Etiology, Patient, RecoveryStage, Side, StageChange
from patients.models.treatment import ToxinInjection, ToxinInjectionSite, TreatmentEvent

__all__ = [
    "AssetGrading",
    "Consent",
    "Etiology",
    "Evaluation",
    "EvaluationAmendment",
    "EvaluationScale",
    "GradingRun",
    "GradingSuggestion",
    "MediaAsset",
    "MediaView",
    "Patient",
    "QuestionnaireAssignment",
    "QuestionnaireReminder",
    "QuestionnaireWording",
    "RecoveryStage",
    "Side",
    "StageChange",
    "ToxinInjection",
    "ToxinInjectionSite",
    "TreatmentEvent",
]
