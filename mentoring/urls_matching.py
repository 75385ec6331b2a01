"""Matching: mentor requests, suggestions, sending an offer, the new TR's own request, being a mentor."""

from django.urls import path

from .views import matching

urlpatterns = [
    path("oensker/", matching.request_list, name="request_list"),
    path("oensker/ny/", matching.request_create, name="request_create"),
    path("oensker/<int:request_id>/", matching.request_detail, name="request_detail"),
    path("oensker/<int:request_id>/tilbud/", matching.request_offer, name="request_offer"),
    path("oensker/<int:request_id>/traek-tilbage/", matching.request_withdraw, name="request_withdraw"),
    path("bliv-mentor/", matching.mentor_me, name="mentor_me"),
    path("jeg-vil-have-en-mentor/<str:signed>/", matching.request_self, name="request_self"),
]
