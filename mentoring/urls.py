"""The mentor programme's pages: matching and offers (``urls_matching``), the e-mailed links,
the pairing, its sessions and feedback (``urls_pairing``). One namespace: ``mentoring``."""

from django.urls import include, path

app_name = "mentoring"

urlpatterns = [
    path("", include("mentoring.urls_matching")),
    path("", include("mentoring.urls_pairing")),
    path("", include("mentoring.urls_links")),
]
