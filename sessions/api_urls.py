from django.urls import path

from sessions.followup import api as followup_api
from sessions.programs import api as program_api

urlpatterns = [
    # Exercise library and home programs
    path("exercises/", program_api.ExerciseListApi.as_view(), name="api-exercises"),
    path("exercises/<int:exercise_id>/", program_api.ExerciseDetailApi.as_view(), name="api-exercise"),
    path("program-templates/", program_api.TemplateListApi.as_view(), name="api-program-templates"),
    path("patients/<int:patient_id>/programs/", program_api.PatientProgramListApi.as_view(), name="api-programs"),
    path("programs/<int:program_id>/", program_api.ProgramDetailApi.as_view(), name="api-program"),
    path("programs/<int:program_id>/items/", program_api.ProgramItemAddApi.as_view(), name="api-program-items"),
    path("programs/<int:program_id>/activate/", program_api.ProgramActivateApi.as_view(), name="api-program-activate"),
    path("programs/<int:program_id>/finish/", program_api.ProgramFinishApi.as_view(), name="api-program-finish"),
    path(
        "programs/<int:program_id>/template/", program_api.ProgramTemplateFromApi.as_view(), name="api-program-template"
    ),
    path("program-items/<int:item_id>/", program_api.ProgramItemApi.as_view(), name="api-program-item"),
    path(
        "patients/<int:patient_id>/practice-logs/",
        program_api.PatientPracticeLogApi.as_view(),
        name="api-patient-practice-logs",
    ),
    path("patients/<int:patient_id>/adherence/", program_api.PatientAdherenceApi.as_view(), name="api-adherence"),
    path("me/today/", program_api.MyTodayApi.as_view(), name="api-my-today"),
    path("me/practice-logs/", program_api.MyPracticeLogApi.as_view(), name="api-my-practice-logs"),
    path("me/tightness/", program_api.MyTightnessApi.as_view(), name="api-my-tightness"),
    path("dashboard/", program_api.DashboardApi.as_view(), name="api-dashboard"),
    # Follow-up
    path("patients/<int:patient_id>/followup/", followup_api.FollowUpPlanApi.as_view(), name="api-followup"),
    path("patients/<int:patient_id>/followup/goals/", followup_api.FollowUpGoalApi.as_view(), name="api-goals"),
    path(
        "patients/<int:patient_id>/followup/discharge/",
        followup_api.FollowUpDischargeApi.as_view(),
        name="api-discharge",
    ),
    path(
        "patients/<int:patient_id>/appointments/",
        followup_api.PatientAppointmentsApi.as_view(),
        name="api-appointments",
    ),
    path("appointments/<int:appointment_id>/", followup_api.AppointmentApi.as_view(), name="api-appointment"),
    path("me/appointments/", followup_api.MyAppointmentsApi.as_view(), name="api-my-appointments"),
]
