from django.urls import include, path

from patients.questionnaires import views as questionnaire_views

app_name = "portal"

urlpatterns = [
    # The portal home (today's plan), practice, history and appointments belong to the home-program area.
    path("", include("sessions.programs.portal_urls")),
    path("questionnaires/<int:assignment_id>/", questionnaire_views.portal_fill, name="questionnaire-fill"),
    path("questionnaires/<int:assignment_id>/done/", questionnaire_views.portal_done, name="questionnaire-done"),
]
