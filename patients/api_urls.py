from django.urls import include, path

from patients import api
from patients.evaluations import api as evaluation_api
from patients.fhir import api as fhir_api
from patients.questionnaires import api as questionnaire_api

urlpatterns = [
    path("patients/", api.PatientListApi.as_view(), name="api-patients"),
    path("patients/<int:patient_id>/", api.PatientDetailApi.as_view(), name="api-patient"),
    path("patients/<int:patient_id>/consents/", api.ConsentListApi.as_view(), name="api-patient-consents"),
    path(
        "patients/<int:patient_id>/consents/<int:consent_id>/withdraw/",
        api.ConsentWithdrawApi.as_view(),
        name="api-patient-consent-withdraw",
    ),
    path("patients/<int:patient_id>/toxin-injections/", api.ToxinInjectionListApi.as_view(), name="api-patient-toxin"),
    path("patients/<int:patient_id>/treatments/", api.TreatmentListApi.as_view(), name="api-patient-treatments"),
    path("patients/<int:patient_id>/timeline/", api.TimelineApi.as_view(), name="api-patient-timeline"),
    path("patients/<int:patient_id>/progress/", api.ProgressApi.as_view(), name="api-patient-progress"),
    path("patients/<int:patient_id>/fhir/", fhir_api.PatientFhirApi.as_view(), name="api-patient-fhir"),
    path(
        "patients/<int:patient_id>/evaluations/",
        evaluation_api.EvaluationListApi.as_view(),
        name="api-patient-evaluations",
    ),
    path(
        "patients/<int:patient_id>/questionnaires/",
        questionnaire_api.PatientQuestionnaireListApi.as_view(),
        name="api-patient-questionnaires",
    ),
    path("evaluations/compare/", evaluation_api.EvaluationCompareApi.as_view(), name="api-evaluation-compare"),
    path("evaluations/<int:evaluation_id>/", evaluation_api.EvaluationDetailApi.as_view(), name="api-evaluation"),
    path(
        "evaluations/<int:evaluation_id>/scales/<slug:scale>/",
        evaluation_api.EvaluationScaleApi.as_view(),
        name="api-evaluation-scale",
    ),
    path(
        "evaluations/<int:evaluation_id>/complete/",
        evaluation_api.EvaluationCompleteApi.as_view(),
        name="api-evaluation-complete",
    ),
    path(
        "evaluations/<int:evaluation_id>/report/",
        evaluation_api.EvaluationReportApi.as_view(),
        name="api-evaluation-report",
    ),
    path("evaluations/<int:evaluation_id>/fhir/", fhir_api.EvaluationFhirApi.as_view(), name="api-evaluation-fhir"),
    path("scales/", evaluation_api.ScaleListApi.as_view(), name="api-scales"),
    path("scales/<slug:scale>/score/", evaluation_api.ScaleScoreApi.as_view(), name="api-scale-score"),
    path(
        "questionnaire-instruments/",
        questionnaire_api.InstrumentListApi.as_view(),
        name="api-questionnaire-instruments",
    ),
    path(
        "questionnaire-wording/<slug:instrument>/",
        questionnaire_api.QuestionnaireWordingApi.as_view(),
        name="api-questionnaire-wording",
    ),
    path(
        "questionnaires/<int:assignment_id>/",
        questionnaire_api.QuestionnaireDetailApi.as_view(),
        name="api-questionnaire",
    ),
    path(
        "questionnaires/<int:assignment_id>/response/",
        questionnaire_api.QuestionnaireResponseApi.as_view(),
        name="api-questionnaire-response",
    ),
    path(
        "questionnaires/<int:assignment_id>/cancel/",
        questionnaire_api.QuestionnaireCancelApi.as_view(),
        name="api-questionnaire-cancel",
    ),
    path("fhir/CodeSystem/<slug:code_system_id>", fhir_api.CodeSystemApi.as_view(), name="api-fhir-codesystem"),
    path(
        "fhir/Questionnaire/<slug:questionnaire_id>",
        fhir_api.QuestionnaireDefinitionApi.as_view(),
        name="api-fhir-questionnaire",
    ),
]

# The photo and video record (patients.media).
urlpatterns += [path("", include("patients.media.api_urls"))]
