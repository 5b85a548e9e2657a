"""URLs of the knowledge app. Community pages live under /c/<slug>/knowledge/; search and
the Markdown preview are global, under /knowledge/."""

from django.urls import path

from . import views, views_sense, views_sharing

app_name = "knowledge"

C = "c/<slug:slug>/knowledge/"

urlpatterns = [
    path("knowledge/search/", views.search_page, name="search"),
    path("knowledge/preview/", views.preview, name="preview"),
    path(C, views.knowledge_home, name="home"),
    path(f"{C}path/", views_sense.learning_path_page, name="learning_path"),
    path(
        f"{C}path/open/<str:kind>/<id:pk>/",
        views_sense.learning_open,
        name="learning_open",
    ),
    path(f"{C}stories/", views.story_list, name="story_list"),
    path(f"{C}stories/new/", views.story_create, name="story_create"),
    path(f"{C}stories/<id:pk>/", views.story_detail, name="story_detail"),
    path(f"{C}stories/<id:pk>/edit/", views.story_edit, name="story_edit"),
    path(f"{C}problems/", views.problem_list, name="problem_list"),
    path(f"{C}problems/new/", views.problem_create, name="problem_create"),
    path(f"{C}problems/similar/", views.problem_similar, name="problem_similar"),
    path(f"{C}problems/<id:pk>/", views.problem_detail, name="problem_detail"),
    path(f"{C}problems/<id:pk>/edit/", views.problem_edit, name="problem_edit"),
    path(f"{C}problems/<id:pk>/reply/", views.problem_reply, name="problem_reply"),
    path(f"{C}problems/<id:pk>/merge/", views.problem_merge, name="problem_merge"),
    path(f"{C}problems/<id:pk>/promote/", views.problem_promote, name="problem_promote"),
    path(f"{C}replies/<id:pk>/edit/", views.reply_edit, name="reply_edit"),
    path(f"{C}replies/<id:pk>/accept/", views.reply_accept, name="reply_accept"),
    path(f"{C}replies/<id:pk>/endorse/", views.reply_endorse, name="reply_endorse"),
    path(f"{C}practices/", views.entry_list, name="entry_list"),
    path(f"{C}practices/new/", views.entry_create, name="entry_create"),
    path(f"{C}practices/<id:pk>/", views.entry_detail, name="entry_detail"),
    path(f"{C}practices/<id:pk>/edit/", views.entry_edit, name="entry_edit"),
    path(f"{C}practices/<id:pk>/status/", views.entry_status, name="entry_status"),
    path(f"{C}practices/<id:pk>/endorse/", views.entry_endorse, name="entry_endorse"),
    path(f"{C}practices/<id:pk>/validate/", views.entry_validate, name="entry_validate"),
    path(f"{C}practices/<id:pk>/notes/", views.entry_note, name="entry_note"),
    path(f"{C}practices/<id:pk>/history/", views.entry_history, name="entry_history"),
    path(f"{C}practices/<id:pk>/share/", views_sharing.share_entry, name="entry_share"),
    path(
        f"{C}practices/<id:pk>/shares/<id:share_id>/end/",
        views_sharing.unshare_entry,
        name="entry_unshare",
    ),
    path(f"{C}shared/", views_sharing.shared_list, name="shared_list"),
    path(f"{C}shared/<id:pk>/", views_sharing.shared_detail, name="shared_practice"),
    path(f"{C}practices/<id:pk>/revert/<id:number>/", views.entry_revert, name="entry_revert"),
    # Deleting and restoring: one view each for every kind, the kind in the route.
    *[
        path(f"{C}{folder}/<id:pk>/{verb}/", view, {"kind": kind}, name=f"{kind}_{verb}")
        for verb, view in [("delete", views.delete_item), ("restore", views.restore_item)]
        for folder, kind in [
            ("stories", "story"),
            ("problems", "problem"),
            ("replies", "reply"),
            ("practices", "entry"),
        ]
    ],
    path(f"{C}deleted/", views.deleted_page, name="deleted"),
    path(f"{C}gaps/", views.gaps_page, name="gaps"),
    path(f"{C}experts/", views.experts_page, name="experts"),
    path(f"{C}glossary/", views.glossary_page, name="glossary"),
    path(f"{C}glossary/<id:pk>/accept/", views.term_accept, name="term_accept"),
    path(f"{C}glossary/<id:pk>/decline/", views.term_decline, name="term_decline"),
    path(f"{C}export/", views.export, name="export"),
]
