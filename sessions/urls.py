from django.urls import path

from sessions.biofeedback import views as biofeedback_views
from sessions.followup import views as followup_views
from sessions.programs import views as program_views

app_name = "therapy"

urlpatterns = [
    # Home programs (sessions/programs)
    path("dashboard/", program_views.dashboard, name="dashboard"),
    path("library/", program_views.library, name="library"),
    path("library/new/", program_views.exercise_new, name="exercise-new"),
    path("library/<int:exercise_id>/", program_views.exercise_detail, name="exercise"),
    path("library/<int:exercise_id>/archive/", program_views.exercise_archive, name="exercise-archive"),
    path("library/<int:exercise_id>/media/", program_views.exercise_media_add, name="exercise-media-add"),
    path("media/<int:media_id>/", program_views.media_file, name="media"),
    path("media/<int:media_id>/delete/", program_views.exercise_media_delete, name="media-delete"),
    path("templates/", program_views.templates, name="templates"),
    path("templates/<int:template_id>/archive/", program_views.template_archive, name="template-archive"),
    path("patients/<int:patient_id>/program/", program_views.patient_program, name="patient-program"),
    path("patients/<int:patient_id>/program/new/", program_views.program_new, name="program-new"),
    path("programs/<int:program_id>/", program_views.program_builder, name="program"),
    path("programs/<int:program_id>/settings/", program_views.program_settings, name="program-settings"),
    path("programs/<int:program_id>/items/", program_views.program_item_add, name="program-item-add"),
    path("programs/<int:program_id>/state/", program_views.program_state, name="program-state"),
    path("programs/<int:program_id>/template/", program_views.program_to_template, name="program-template"),
    path("programs/<int:program_id>/handout.pdf", program_views.program_handout, name="program-handout"),
    path("items/<int:item_id>/", program_views.program_item_update, name="item-update"),
    path("items/<int:item_id>/remove/", program_views.program_item_remove, name="item-remove"),
    path("items/<int:item_id>/upgrade/", program_views.program_item_upgrade, name="item-upgrade"),
    path("release-days/<int:release_day_id>/ack/", program_views.release_day_ack, name="release-day-ack"),
    # Follow-up (sessions/followup)
    path("patients/<int:patient_id>/followup/", followup_views.patient_followup, name="patient-followup"),
    path("patients/<int:patient_id>/followup/goals/", followup_views.goal_add, name="goal-add"),
    path("patients/<int:patient_id>/followup/appointments/", followup_views.appointment_add, name="appointment-add"),
    path("patients/<int:patient_id>/followup/discharge/", followup_views.discharge, name="discharge"),
    path("patients/<int:patient_id>/followup/reopen/", followup_views.reopen, name="followup-reopen"),
    path("goals/<int:goal_id>/status/", followup_views.goal_status, name="goal-status"),
    path("appointments/", followup_views.appointments, name="appointments"),
    path("appointments/<int:appointment_id>/status/", followup_views.appointment_status, name="appointment-status"),
    # EMG biofeedback sessions (sessions/biofeedback)
    path("patients/<int:patient_id>/biofeedback/", biofeedback_views.patient_sessions, name="patient-biofeedback"),
    path("biofeedback/<int:session_id>/", biofeedback_views.session_live, name="biofeedback-session"),
    path("biofeedback/<int:session_id>/screen/", biofeedback_views.session_screen, name="biofeedback-screen"),
    path("biofeedback/<int:session_id>/state/", biofeedback_views.session_state, name="biofeedback-state"),
    path("biofeedback/<int:session_id>/calibrate/", biofeedback_views.session_calibrate, name="biofeedback-calibrate"),
    path("biofeedback/<int:session_id>/trials/", biofeedback_views.trial_start, name="biofeedback-trial-start"),
    path("biofeedback/trials/<int:trial_id>/stop/", biofeedback_views.trial_stop, name="biofeedback-trial-stop"),
    path("biofeedback/<int:session_id>/end/", biofeedback_views.session_end, name="biofeedback-end"),
    path("biofeedback/<int:session_id>/report/", biofeedback_views.session_report, name="biofeedback-report"),
    path(
        "biofeedback/<int:session_id>/report/status/",
        biofeedback_views.report_status,
        name="biofeedback-report-status",
    ),
]
