from django.urls import path

from .views import voice

urlpatterns = [
    path("netvaerk/<int:network_id>/supervision/", voice.supervision, name="supervision"),
    path("netvaerk/<int:network_id>/tjenestefrihed/", voice.leave_letter, name="leave_letter"),
]
