"""The REST API: /api/v1/ (a public contract), the OpenAPI schema and its docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from care import api as care_api
from cop.api import account as api_account
from cop.api import communities as cop_api
from cop.api import constellations as api_constellations
from cop.api import conversation as api_conversation
from cop.api import coordinator as api_coordinator
from cop.api import notifications as api_notifications
from cop.api import value as api_value
from knowledge import api as knowledge_api
from knowledge import api_sharing as knowledge_api_sharing
from meetings import api as meetings_api
from meetings import api_agenda as meetings_api_agenda
from meetings import api_cohosts as meetings_api_cohosts
from meetings import api_feedback as meetings_api_feedback
from meetings import api_guests as meetings_api_guests
from meetings import api_polls as meetings_api_polls
from mentoring import api as mentoring_api

router = DefaultRouter()
for prefix, viewset, basename in (
    ("communities", cop_api.CommunityViewSet, "api-community"),
    ("me/tokens", api_account.TokenViewSet, "api-token-info"),
    ("value-stories", api_value.ValueStoryViewSet, "api-value-story"),
    ("meetings", meetings_api.MeetingViewSet, "api-meeting"),
    ("series", meetings_api.SeriesViewSet, "api-series"),
    ("polls", meetings_api_polls.PollViewSet, "api-poll"),
    ("notifications", api_notifications.NotificationViewSet, "api-notification"),
    ("mentor-offers", mentoring_api.MentorOfferViewSet, "api-mentor-offer"),
    ("mentor-requests", mentoring_api.MentorRequestViewSet, "api-mentor-request"),
    ("mentorships", mentoring_api.MentorshipViewSet, "api-mentorship"),
    ("onboarding-steps", mentoring_api.OnboardingStepViewSet, "api-onboarding-step"),
    ("comments", api_conversation.CommentViewSet, "api-comment"),
    ("stories", knowledge_api.StoryViewSet, "api-story"),
    ("problems", knowledge_api.ProblemViewSet, "api-problem"),
    ("replies", knowledge_api.ReplyViewSet, "api-reply"),
    ("practices", knowledge_api.PracticeViewSet, "api-practice"),
    ("glossary", knowledge_api.GlossaryViewSet, "api-glossary"),
    ("flags", care_api.FlagViewSet, "api-flag"),
    ("bookmarks", care_api.BookmarkViewSet, "api-bookmark"),
    ("follows", care_api.FollowViewSet, "api-follow"),
):
    router.register(prefix, viewset, basename=basename)

members = cop_api.MemberViewSet.as_view({"get": "list", "post": "create"})
member = cop_api.MemberViewSet.as_view({"get": "retrieve"})
invitations = cop_api.InvitationViewSet.as_view({"get": "list", "post": "create"})
COMMUNITY = "communities/<slug:community_slug>/"
MEMBER = f"{COMMUNITY}members/<id:pk>/"


def api_path(route: str, view, *, name: str):
    """`path()` that also takes an API view class, for its `as_view()`."""
    return path(route, view.as_view() if isinstance(view, type) else view, name=name)


def in_community(route: str, view, *, name: str):
    """A path below one community: `communities/<community_slug>/<route>`."""
    return api_path(f"{COMMUNITY}{route}", view, name=name)


def member_action(name: str):
    return path(
        f"{MEMBER}{name}/",
        cop_api.MemberViewSet.as_view({"post": name}),
        name=f"api-community-member-{name}",
    )


v1 = [
    path("auth/token/", cop_api.obtain_token, name="api-token"),
    path("search/", knowledge_api.search, name="api-search"),
    path("invitations/accept/", cop_api.accept_invitation, name="api-invitation-accept"),
    in_community(
        "invitations/bulk/",
        api_coordinator.BulkInvitationView,
        name="api-community-invitations-bulk",
    ),
    in_community("outreach/", api_coordinator.OutreachView, name="api-community-outreach"),
    in_community(
        "outreach/<id:membership_id>/notes/",
        api_coordinator.PersonalNoteView,
        name="api-community-outreach-note",
    ),
    api_path("thanks/", api_coordinator.ThanksView, name="api-thanks"),
    api_path(
        "thanks/<slug:kind>/<id:object_id>/", api_coordinator.ThanksItemView, name="api-thanks-item"
    ),
    api_path("me/", api_account.AccountView, name="api-me"),
    api_path("me/memberships/", api_account.MyMembershipsView, name="api-my-memberships"),
    api_path("me/feed/", care_api.FeedView, name="api-my-feed"),
    in_community("conduct/", care_api.ConductView, name="api-community-conduct"),
    in_community(
        "conduct/accept/", care_api.ConductAcceptView, name="api-community-conduct-accept"
    ),
    in_community("moderation/", care_api.ModerationQueueView, name="api-community-moderation"),
    in_community(
        "moderation/<id:pk>/",
        care_api.ModerationDecisionView,
        name="api-community-moderation-decision",
    ),
    api_path(
        "me/notification-settings/",
        api_notifications.NotificationSettingsView,
        name="api-notification-settings",
    ),
    in_community("members/", members, name="api-community-members"),
    path(MEMBER, member, name="api-community-member"),
    *[
        member_action(name)
        for name in ("approve", "decline", "remove", "promote", "demote", "expertise")
    ],
    in_community("me/", cop_api.MyMembershipView, name="api-community-me"),
    in_community("export/", knowledge_api.export, name="api-community-export"),
    in_community("deleted/", knowledge_api.deleted, name="api-community-deleted"),
    in_community("signals/", knowledge_api.signals, name="api-community-signals"),
    in_community("value-matrix/", api_value.value_matrix, name="api-community-value-matrix"),
    in_community("health/", api_value.health, name="api-health"),
    in_community("health/<slug:series>/", api_value.health_series, name="api-health-series"),
    in_community("mentoring/", mentoring_api.overview, name="api-community-mentoring"),
    in_community("invitations/", invitations, name="api-community-invitations"),
    in_community("related/", api_constellations.RelationListView, name="api-community-relations"),
    in_community(
        "related/<id:pk>/", api_constellations.RelationView, name="api-community-relation"
    ),
    in_community(
        "related/<id:pk>/acceptance/",
        api_constellations.RelationAcceptanceView,
        name="api-community-relation-acceptance",
    ),
    in_community(
        "related/<id:pk>/refusal/",
        api_constellations.RelationRefusalView,
        name="api-community-relation-refusal",
    ),
    in_community(
        "shared-practices/",
        knowledge_api_sharing.SharedPracticeListView,
        name="api-community-shared-practices",
    ),
    in_community(
        "shared-practices/<id:pk>/",
        knowledge_api_sharing.SharedPracticeView,
        name="api-community-shared-practice",
    ),
    api_path(
        "practices/<id:pk>/shares/",
        knowledge_api_sharing.PracticeSharesView,
        name="api-practice-shares",
    ),
    api_path(
        "practices/<id:pk>/shares/<id:share_id>/",
        knowledge_api_sharing.PracticeShareView,
        name="api-practice-share",
    ),
    api_path(
        "meetings/<id:meeting_id>/cohosts/",
        meetings_api_cohosts.MeetingCohostsView,
        name="api-meeting-cohosts",
    ),
    api_path(
        "meetings/<id:meeting_id>/agenda/suggestions/",
        meetings_api_agenda.AgendaSuggestionsView,
        name="api-meeting-agenda-suggestions",
    ),
    api_path(
        "meetings/<id:meeting_id>/feedback/",
        meetings_api_feedback.MeetingFeedbackView,
        name="api-meeting-feedback",
    ),
    path(
        "meetings/<id:meeting_id>/guests/",
        meetings_api_guests.MeetingGuestViewSet.as_view({"get": "list", "post": "create"}),
        name="api-meeting-guests",
    ),
    path(
        "meetings/<id:meeting_id>/guests/<id:pk>/",
        meetings_api_guests.MeetingGuestViewSet.as_view(
            {"patch": "partial_update", "delete": "destroy"}
        ),
        name="api-meeting-guest",
    ),
    *[
        path(
            f"{resource}/<id:pk>/comments/",
            api_conversation.comments_view(key),
            name=f"api-{key}-comments",
        )
        for resource, key in (
            ("stories", "story"),
            ("practices", "practice"),
            ("meetings", "meeting"),
            ("value-stories", "value-story"),
        )
    ],
    in_community(
        "announcements/", api_conversation.AnnouncementsView, name="api-community-announcements"
    ),
    in_community(
        "announcements/<id:pk>/",
        api_conversation.AnnouncementView,
        name="api-community-announcement",
    ),
    path("", include(router.urls)),
]

urlpatterns = [
    path("api/v1/", include(v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file of its own: no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
