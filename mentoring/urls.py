"""URLs of the mentoring app. Community pages live under /c/<slug>/mentoring/."""

from django.urls import path

from . import views

P = "c/<slug:slug>/mentoring/"

urlpatterns = [
    path(P, views.home, name="mentoring_home"),
    path(P + "find/", views.find, name="mentoring_find"),
    path(P + "offer/", views.offer, name="mentoring_offer"),
    path(P + "inbox/", views.inbox, name="mentoring_inbox"),
    path(P + "overview/", views.overview, name="mentoring_overview"),
    path(P + "onboarding/", views.onboarding, name="mentoring_onboarding"),
    path(P + "onboarding/edit/", views.onboarding_edit, name="mentoring_onboarding_edit"),
    path(P + "requests/<id:pk>/", views.request_detail, name="mentoring_request"),
    path(P + "requests/<id:pk>/accept/", views.accept, name="mentoring_accept"),
    path(P + "requests/<id:pk>/decline/", views.decline, name="mentoring_decline"),
    path(P + "requests/<id:pk>/withdraw/", views.withdraw, name="mentoring_withdraw"),
    path(P + "requests/<id:pk>/assign/", views.assign, name="mentoring_assign"),
    path(P + "mentorships/<id:pk>/", views.mentorship_detail, name="mentoring_mentorship"),
    path(
        P + "mentorships/<id:pk>/<slug:action>/",
        views.mentorship_action,
        name="mentoring_mentorship_action",
    ),
]
