from django.urls import path

from .views import signups

urlpatterns = [
    # public: the branch's sign-up page and the confirmation link (no login)
    path("tilmeld/amr/<int:branch_id>/", signups.signup_form, name="signup_form"),
    path("tilmeld/amr/<int:branch_id>/tak/", signups.signup_sent, name="signup_sent"),
    path("tilmeld/bekraeft/<str:token>/", signups.signup_confirm, name="signup_confirm"),
    # the facilitating consultant's (and the branch office's) queue
    path("tilmeldinger/", signups.signup_queue, name="signup_queue"),
    path("tilmeldinger/<int:signup_id>/", signups.signup_detail, name="signup_detail"),
]
