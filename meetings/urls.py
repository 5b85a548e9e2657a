"""URLs of the meetings app. Community pages live under /c/<slug>/meetings/; the
personal page and feed under /meetings/."""

from django.urls import path

from . import views, views_agenda, views_cohosts, views_feedback, views_guests, views_polls

app_name = "meetings"

community = "c/<slug:slug>/meetings/"
meeting = community + "<id:meeting_id>/"

urlpatterns = [
    path(community, views.community_meetings, name="community"),
    path(community + "new/", views.schedule_meeting, name="schedule"),
    path(community + "series/new/", views.create_series, name="series_create"),
    path(community + "series/preview/", views.series_preview, name="series_preview"),
    path(community + "series/<id:series_id>/", views.series_detail, name="series_detail"),
    path(
        community + "series/<id:series_id>/confirm/",
        views.confirm_series,
        name="series_confirm",
    ),
    path(community + "series/<id:series_id>/end/", views.end_series, name="series_end"),
    path(community + "calendar.ics", views.community_ics, name="community_ics"),
    path(community + "polls/", views_polls.poll_list, name="poll_list"),
    path(community + "polls/new/", views_polls.poll_create, name="poll_create"),
    path(community + "polls/<id:poll_id>/", views_polls.poll_detail, name="poll_detail"),
    path(community + "polls/<id:poll_id>/vote/", views_polls.poll_vote, name="poll_vote"),
    path(community + "polls/<id:poll_id>/close/", views_polls.poll_close, name="poll_close"),
    path(
        community + "polls/<id:poll_id>/schedule/",
        views_polls.poll_schedule,
        name="poll_schedule",
    ),
    path(community + "agenda/problem/", views.propose_problem, name="propose_problem"),
    path(meeting, views.meeting_detail, name="detail"),
    path(meeting + "rsvp/", views.rsvp, name="rsvp"),
    path(meeting + "edit/", views.edit_meeting, name="edit"),
    path(meeting + "cancel/", views.cancel_meeting, name="cancel"),
    path(meeting + "agenda/", views.propose_agenda_item, name="agenda_propose"),
    path(meeting + "agenda/<id:item_id>/vote/", views.vote_agenda_item, name="agenda_vote"),
    path(meeting + "agenda/<id:item_id>/status/", views.agenda_item_status, name="agenda_status"),
    path(meeting + "agenda/<id:item_id>/move/", views.move_agenda_item, name="agenda_move"),
    path(
        meeting + "agenda/suggestions/",
        views_agenda.agenda_suggestions_page,
        name="agenda_suggestions",
    ),
    path(meeting + "attendance/", views.attendance, name="attendance"),
    path(meeting + "notes/", views.notes, name="notes"),
    path(meeting + "meeting.ics", views.meeting_ics, name="ics"),
    path(meeting + "feedback/", views_feedback.meeting_feedback, name="feedback"),
    path(meeting + "guests/", views_guests.meeting_guests, name="guests"),
    path(meeting + "cohosts/", views_cohosts.meeting_cohosts, name="cohosts"),
    path(meeting + "guests/<id:guest_id>/", views_guests.guest_change, name="guest_change"),
    path("meetings/answer/<str:token>/", views_guests.rsvp_link, name="rsvp_link"),
    path("meetings/guest/<str:token>/", views_guests.guest_page, name="guest"),
    path("meetings/", views.my_meetings, name="mine"),
    path("meetings/feed/revoke/", views.revoke_feed, name="revoke_feed"),
    path("meetings/feed/<str:token>.ics", views.personal_ics, name="personal_ics"),
]
