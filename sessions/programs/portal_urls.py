"""Portal routes of the home-program area; included into the "portal" namespace by patients/portal_urls.py."""

from django.urls import path

from sessions.programs import portal_views

urlpatterns = [
    path("", portal_views.portal_home, name="home"),
    path("practice/<int:item_id>/", portal_views.practice, name="practice"),
    path("tightness/", portal_views.tightness, name="tightness"),
    path("history/", portal_views.history, name="history"),
    path("appointments/", portal_views.appointments, name="appointments"),
    path("handout.pdf", portal_views.handout, name="handout"),
]
