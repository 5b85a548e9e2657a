from django.urls import path

from . import views

app_name = "care"

C = "c/<slug:slug>/"

urlpatterns = [
    path(f"{C}conduct/", views.conduct_page, name="conduct"),
    path(f"{C}conduct/accept/", views.conduct_accept, name="conduct_accept"),
    path(f"{C}conduct/edit/", views.conduct_edit, name="conduct_edit"),
    path(f"{C}topics/", views.topics, name="topics"),
    path(f"{C}moderation/", views.moderation_queue, name="queue"),
    path(f"{C}moderation/<id:case_id>/", views.moderate, name="moderate"),
    path("flag/<slug:key>/<id:pk>/", views.flag, name="flag"),
    path("saved/", views.saved, name="saved"),
    path("saved/<slug:key>/<id:pk>/", views.bookmark_toggle, name="bookmark"),
    path("follow/<slug:key>/<id:pk>/", views.follow_toggle, name="follow"),
]
