from django.urls import path

from .views import networks

app_name = "circles"

urlpatterns = [
    # networks (network page, year plan, ground rules)
    path("netvaerk/<int:network_id>/", networks.network_detail, name="network_detail"),
    # meetings (planning, invitations, answers, attendance)
    # minutes (write, upload, submit, read, download)
]
