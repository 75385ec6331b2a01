from django.urls import path

from . import views

app_name = "circles"

urlpatterns = [
    path("netvaerk/<int:network_id>/", views.network_detail, name="network_detail"),
]
