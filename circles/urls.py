from django.urls import include, path

from .views import claims, meetings, minutes, networks, people

app_name = "circles"

urlpatterns = [
    # networks (network page, year plan, ground rules)
    path("netvaerk/<int:network_id>/", networks.network_detail, name="network_detail"),
    path("netvaerk/<int:network_id>/moeder/", networks.network_meetings, name="network_meetings"),
    path("netvaerk/<int:network_id>/leveregler/", networks.network_rules_edit, name="network_rules_edit"),
    # meetings (planning, invitations, answers, attendance)
    path("netvaerk/<int:network_id>/planlaeg/", meetings.meeting_plan, name="meeting_plan"),
    path("moede/<int:meeting_id>/", meetings.meeting_detail, name="meeting_detail"),
    path("moede/<int:meeting_id>/ret/", meetings.meeting_edit, name="meeting_edit"),
    path("moede/<int:meeting_id>/aflys/", meetings.meeting_cancel, name="meeting_cancel"),
    path("moede/<int:meeting_id>/inviter/", meetings.meeting_invite, name="meeting_invite"),
    path("moede/<int:meeting_id>/fremmoede/", meetings.meeting_attendance, name="meeting_attendance"),
    path("moede/<int:meeting_id>/svar/", meetings.meeting_answer, name="meeting_answer"),
    path("svar/<str:token>/", meetings.rsvp, name="rsvp"),
    path(
        "moede/<int:meeting_id>/mentor/<int:prompt_id>/klaret/",
        meetings.mentor_prompt_done,
        name="mentor_prompt_done",
    ),
    # people (a member's master data, for their network's coordinator and the office)
    path("medlem/<int:person_id>/", people.person_detail, name="person_detail"),
    # minutes (write, upload, submit, read, download)
    path("moede/<int:meeting_id>/referat/", minutes.minutes_detail, name="minutes_detail"),
    path("moede/<int:meeting_id>/referat/skriv/", minutes.minutes_edit, name="minutes_edit"),
    path("moede/<int:meeting_id>/referat/indsend/", minutes.minutes_submit, name="minutes_submit"),
    path("referatfil/<int:file_id>/", minutes.minutes_file, name="minutes_file"),
    path("referatfil/<int:file_id>/fjern/", minutes.minutes_file_remove, name="minutes_file_remove"),
    # release time (frikøb) and mileage: the coordinator files, the office decides in the admin
    path("moede/<int:meeting_id>/frikoeb/", claims.claim_preparation, name="claim_preparation"),
    path("moede/<int:meeting_id>/koersel/", claims.claim_mileage, name="claim_mileage"),
    path("frikoeb/", claims.my_claims, name="my_claims"),
    path("frikoeb/<int:claim_id>/traek-tilbage/", claims.claim_withdraw, name="claim_withdraw"),
    # AMR sign-up (public) and each network's voice (key messages, leave letter, board, supervision)
    path("", include("circles.urls_signup")),
    path("", include("circles.urls_voice")),
]
