"""Pages of the photo record, included in the ``patients`` namespace."""

from django.urls import path

from patients.media import views

urlpatterns = [
    path("<int:patient_id>/media/", views.media_home, name="media"),
    path("<int:patient_id>/media/compare/", views.media_compare, name="media-compare"),
    path("<int:patient_id>/media/evaluations/<int:evaluation_id>/", views.media_set, name="media-set"),
    path("<int:patient_id>/media/evaluations/<int:evaluation_id>/grade/", views.media_grade, name="media-grade"),
    path("<int:patient_id>/media/evaluations/<int:evaluation_id>/capture/", views.media_capture, name="media-capture"),
    path("<int:patient_id>/media/gradings/<int:run_id>/accept/", views.media_accept, name="media-accept"),
]
