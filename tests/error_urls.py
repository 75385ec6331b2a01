"""A URLconf for the error-page tests: the app's own URLs plus one view that fails."""

from django.urls import path

from netvaerk.urls import urlpatterns as app_urlpatterns


def broken(request):
    raise RuntimeError("boom")


urlpatterns = [path("test-broken/", broken), *app_urlpatterns]
