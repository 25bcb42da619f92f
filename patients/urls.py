from django.urls import include, path

from patients import views
from patients.evaluations import views as evaluation_views
from patients.privacy import views as privacy_views
from patients.progress import views as progress_views
from patients.questionnaires import views as questionnaire_views
from patients.treatments import views as treatment_views

app_name = "patients"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("new/", views.patient_new, name="new"),
    path("questionnaire-wording/", questionnaire_views.wording, name="questionnaire-wording"),
    path("<int:patient_id>/", views.patient_detail, name="detail"),
    path("<int:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<int:patient_id>/export/", privacy_views.patient_export, name="export"),
    path("<int:patient_id>/erase/", privacy_views.patient_erase, name="erase"),
    path("<int:patient_id>/stage/", views.patient_stage, name="stage"),
    path("<int:patient_id>/consents/", views.consent_add, name="consent-add"),
    path("<int:patient_id>/consents/<int:consent_id>/withdraw/", views.consent_withdraw, name="consent-withdraw"),
    path("<int:patient_id>/timeline/", views.patient_timeline, name="timeline"),
    path("<int:patient_id>/evaluations/", evaluation_views.evaluation_list, name="evaluations"),
    path("<int:patient_id>/evaluations/compare/", evaluation_views.evaluation_compare, name="evaluation-compare"),
    path("<int:patient_id>/evaluations/<int:evaluation_id>/", evaluation_views.evaluation_detail, name="evaluation"),
    path(
        "<int:patient_id>/evaluations/<int:evaluation_id>/complete/",
        evaluation_views.evaluation_complete,
        name="evaluation-complete",
    ),
    path(
        "<int:patient_id>/evaluations/<int:evaluation_id>/amend/<slug:section>/",
        evaluation_views.evaluation_amend,
        name="evaluation-amend",
    ),
    path(
        "<int:patient_id>/evaluations/<int:evaluation_id>/discard/",
        evaluation_views.evaluation_discard,
        name="evaluation-discard",
    ),
    path(
        "<int:patient_id>/evaluations/<int:evaluation_id>/report.pdf",
        evaluation_views.evaluation_report,
        name="evaluation-report",
    ),
    path("<int:patient_id>/progress/", progress_views.progress, name="progress"),
    path("<int:patient_id>/questionnaires/", questionnaire_views.questionnaire_tab, name="questionnaires"),
    path(
        "<int:patient_id>/questionnaires/<int:assignment_id>/",
        questionnaire_views.questionnaire_detail,
        name="questionnaire",
    ),
    path(
        "<int:patient_id>/questionnaires/<int:assignment_id>/cancel/",
        questionnaire_views.questionnaire_cancel,
        name="questionnaire-cancel",
    ),
    path("<int:patient_id>/treatments/", treatment_views.treatments_tab, name="treatments"),
    path(
        "<int:patient_id>/treatments/toxin/<int:injection_id>/delete/",
        treatment_views.toxin_delete,
        name="toxin-delete",
    ),
    path(
        "<int:patient_id>/treatments/<int:treatment_id>/delete/",
        treatment_views.treatment_delete,
        name="treatment-delete",
    ),
]

# The photo and video record (patients.media).
urlpatterns += [path("", include("patients.media.urls"))]
