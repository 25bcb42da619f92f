from django.urls import path

from patients.media import api

urlpatterns = [
    path("evaluations/<int:evaluation_id>/media/", api.EvaluationMediaApi.as_view(), name="api-evaluation-media"),
    path(
        "evaluations/<int:evaluation_id>/gradings/",
        api.EvaluationGradingsApi.as_view(),
        name="api-evaluation-gradings",
    ),
    path("gradings/<int:run_id>/", api.GradingDetailApi.as_view(), name="api-grading"),
    path("gradings/<int:run_id>/status/", api.GradingStatusApi.as_view(), name="api-grading-status"),
    path("gradings/<int:run_id>/accept/", api.GradingAcceptApi.as_view(), name="api-grading-accept"),
    path("media/<int:asset_id>/", api.MediaDetailApi.as_view(), name="api-media"),
    path("media/<int:asset_id>/content/", api.MediaContentApi.as_view(), name="api-media-content"),
    path("media/results/<int:result_id>/overlay/", api.OverlayContentApi.as_view(), name="api-media-overlay"),
]
