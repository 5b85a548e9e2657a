"""The site's URLs."""

from django.contrib import admin
from django.urls import include, path

from cop.views import communities, dashboard, network, value
from cop.views import site as views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/profile/", views.profile_settings, name="profile_settings"),
    path("accounts/tokens/", views.api_tokens, name="api_tokens"),
    path("accounts/", include("allauth.urls")),
    path("communities/", communities.community_list, name="community_list"),
    path("communities/new/", communities.community_create, name="community_create"),
    path("communities/mine/", communities.my_communities, name="my_communities"),
    path("invitations/<str:token>/", communities.accept_invitation, name="accept_invitation"),
    path("c/<slug:slug>/", communities.community_home, name="community_home"),
    path("c/<slug:slug>/settings/", communities.community_edit, name="community_edit"),
    path("c/<slug:slug>/join/", communities.community_join, name="community_join"),
    path("c/<slug:slug>/leave/", communities.community_leave, name="community_leave"),
    path("c/<slug:slug>/invite/", communities.community_invite, name="community_invite"),
    path("c/<slug:slug>/members/", communities.community_members, name="community_members"),
    path("c/<slug:slug>/audit/", communities.community_audit, name="community_audit"),
    path("c/<slug:slug>/related/", network.community_relations, name="community_relations"),
    path(
        "c/<slug:slug>/related/<id:pk>/<str:action>/",
        network.relation_action,
        name="relation_action",
    ),
    path("network/", network.network, name="network"),
    path(
        "c/<slug:slug>/members/suggest/",
        communities.member_suggestions,
        name="member_suggestions",
    ),
    path("c/<slug:slug>/me/", communities.membership_edit, name="membership_edit"),
    path("c/<slug:slug>/health/", dashboard.community_dashboard, name="community_dashboard"),
    path("c/<slug:slug>/health/value/", value.value_matrix, name="value_matrix"),
    path("c/<slug:slug>/value/", value.value_story_list, name="value_story_list"),
    path("c/<slug:slug>/value/new/", value.value_story_create, name="value_story_create"),
    path("c/<slug:slug>/value/<id:pk>/", value.value_story_detail, name="value_story"),
    path("c/<slug:slug>/value/follow-up/<id:pk>/", value.value_follow_up, name="value_follow_up"),
    path("c/<slug:slug>/health/<str:series>.csv", dashboard.dashboard_csv, name="dashboard_csv"),
    path(
        "c/<slug:slug>/members/<id:user_id>/",
        communities.member_profile,
        name="member_profile",
    ),
    path(
        "c/<slug:slug>/memberships/<id:membership_id>/<str:action>/",
        communities.member_action,
        name="member_action",
    ),
    path("", include("cop.urls.api")),
    path("", include("cop.urls.notifications")),
    path("", include("cop.urls.conversation")),
    path("", include("cop.urls.coordinator")),
    path("", include("meetings.urls")),
    path("", include("knowledge.urls")),
    path("", include("mentoring.urls")),
    path("", include("care.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "cop.views.site.bad_request"
handler403 = "cop.views.site.permission_denied"
handler404 = "cop.views.site.page_not_found"
handler500 = "cop.views.site.server_error"
