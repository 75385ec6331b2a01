"""The pairing's pages (namespace ``mentoring``, mounted at /mentor/): the parties' own pages and the
e-mailed links to end a pairing and to give feedback."""

from django.urls import path

from .views import pairings as views

urlpatterns = [
    path("forloeb/", views.pairing_mine, name="pairing_mine"),
    path("forloeb/<int:pairing_id>/", views.pairing_detail, name="pairing_detail"),
    path("forloeb/<int:pairing_id>/samtale/", views.session_log, name="session_log"),
    path("forloeb/<int:pairing_id>/afslut/", views.pairing_end, name="pairing_end"),
    path("samtale/<int:session_id>/frikoeb/", views.session_claim, name="session_claim"),
    path("afslut/<str:token>/", views.pairing_end_link, name="pairing_end_link"),
    path("evaluering/<str:token>/", views.pairing_feedback_link, name="pairing_feedback_link"),
]
