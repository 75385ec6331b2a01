"""The offer's e-mailed link: no login, GET shows the offer, only a POST of a button answers it."""

from django.urls import path

from .views import links

urlpatterns = [
    path("tilbud/<str:token>/", links.offer_link, name="offer_link"),
]
