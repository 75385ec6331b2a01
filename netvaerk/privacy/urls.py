from django.urls import path

from . import views

urlpatterns = [
    path("privatliv/", views.privacy, name="privacy"),
]
