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
    path(P + "requests/<int:pk>/", views.request_detail, name="mentoring_request"),
    path(P + "requests/<int:pk>/accept/", views.accept, name="mentoring_accept"),
    path(P + "requests/<int:pk>/decline/", views.decline, name="mentoring_decline"),
    path(P + "requests/<int:pk>/withdraw/", views.withdraw, name="mentoring_withdraw"),
    path(P + "requests/<int:pk>/assign/", views.assign, name="mentoring_assign"),
    path(P + "mentorships/<int:pk>/", views.mentorship_detail, name="mentoring_mentorship"),
    path(
        P + "mentorships/<int:pk>/<slug:action>/",
        views.mentorship_action,
        name="mentoring_mentorship_action",
    ),
]
