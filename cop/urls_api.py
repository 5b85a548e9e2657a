"""The REST API: /api/v1/ (a public contract), the OpenAPI schema and its docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from care import api as care_api
from cop import api as cop_api
from cop import (
    api_account,
    api_constellations,
    api_conversation,
    api_coordinator,
    api_notifications,
    api_value,
)
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
router.register("communities", cop_api.CommunityViewSet, basename="api-community")
router.register("me/tokens", api_account.TokenViewSet, basename="api-token-info")
router.register("value-stories", api_value.ValueStoryViewSet, basename="api-value-story")
router.register("meetings", meetings_api.MeetingViewSet, basename="api-meeting")
router.register("series", meetings_api.SeriesViewSet, basename="api-series")
router.register("polls", meetings_api_polls.PollViewSet, basename="api-poll")
router.register("notifications", api_notifications.NotificationViewSet, basename="api-notification")
router.register("mentor-offers", mentoring_api.MentorOfferViewSet, basename="api-mentor-offer")
router.register(
    "mentor-requests", mentoring_api.MentorRequestViewSet, basename="api-mentor-request"
)
router.register("mentorships", mentoring_api.MentorshipViewSet, basename="api-mentorship")
router.register(
    "onboarding-steps", mentoring_api.OnboardingStepViewSet, basename="api-onboarding-step"
)
router.register("comments", api_conversation.CommentViewSet, basename="api-comment")
router.register("stories", knowledge_api.StoryViewSet, basename="api-story")
router.register("problems", knowledge_api.ProblemViewSet, basename="api-problem")
router.register("replies", knowledge_api.ReplyViewSet, basename="api-reply")
router.register("practices", knowledge_api.PracticeViewSet, basename="api-practice")
router.register("glossary", knowledge_api.GlossaryViewSet, basename="api-glossary")
router.register("flags", care_api.FlagViewSet, basename="api-flag")
router.register("bookmarks", care_api.BookmarkViewSet, basename="api-bookmark")
router.register("follows", care_api.FollowViewSet, basename="api-follow")

members = cop_api.MemberViewSet.as_view({"get": "list", "post": "create"})
member = cop_api.MemberViewSet.as_view({"get": "retrieve"})
invitations = cop_api.InvitationViewSet.as_view({"get": "list", "post": "create"})
MEMBER = "communities/<slug:community_slug>/members/<id:pk>/"


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
    path(
        "communities/<slug:community_slug>/invitations/bulk/",
        api_coordinator.BulkInvitationView.as_view(),
        name="api-community-invitations-bulk",
    ),
    path(
        "communities/<slug:community_slug>/outreach/",
        api_coordinator.OutreachView.as_view(),
        name="api-community-outreach",
    ),
    path(
        "communities/<slug:community_slug>/outreach/<id:membership_id>/notes/",
        api_coordinator.PersonalNoteView.as_view(),
        name="api-community-outreach-note",
    ),
    path("thanks/", api_coordinator.ThanksView.as_view(), name="api-thanks"),
    path(
        "thanks/<slug:kind>/<id:object_id>/",
        api_coordinator.ThanksItemView.as_view(),
        name="api-thanks-item",
    ),
    path("me/", api_account.AccountView.as_view(), name="api-me"),
    path("me/memberships/", api_account.MyMembershipsView.as_view(), name="api-my-memberships"),
    path("me/feed/", care_api.FeedView.as_view(), name="api-my-feed"),
    path(
        "communities/<slug:community_slug>/conduct/",
        care_api.ConductView.as_view(),
        name="api-community-conduct",
    ),
    path(
        "communities/<slug:community_slug>/conduct/accept/",
        care_api.ConductAcceptView.as_view(),
        name="api-community-conduct-accept",
    ),
    path(
        "communities/<slug:community_slug>/moderation/",
        care_api.ModerationQueueView.as_view(),
        name="api-community-moderation",
    ),
    path(
        "communities/<slug:community_slug>/moderation/<id:pk>/",
        care_api.ModerationDecisionView.as_view(),
        name="api-community-moderation-decision",
    ),
    path(
        "me/notification-settings/",
        api_notifications.NotificationSettingsView.as_view(),
        name="api-notification-settings",
    ),
    path("communities/<slug:community_slug>/members/", members, name="api-community-members"),
    path(MEMBER, member, name="api-community-member"),
    *[
        member_action(name)
        for name in ("approve", "decline", "remove", "promote", "demote", "expertise")
    ],
    path(
        "communities/<slug:community_slug>/me/",
        cop_api.MyMembershipView.as_view(),
        name="api-community-me",
    ),
    path(
        "communities/<slug:community_slug>/export/",
        knowledge_api.export,
        name="api-community-export",
    ),
    path(
        "communities/<slug:community_slug>/deleted/",
        knowledge_api.deleted,
        name="api-community-deleted",
    ),
    path(
        "communities/<slug:community_slug>/signals/",
        knowledge_api.signals,
        name="api-community-signals",
    ),
    path(
        "communities/<slug:community_slug>/value-matrix/",
        api_value.value_matrix,
        name="api-community-value-matrix",
    ),
    path("communities/<slug:community_slug>/health/", api_value.health, name="api-health"),
    path(
        "communities/<slug:community_slug>/health/<slug:series>/",
        api_value.health_series,
        name="api-health-series",
    ),
    path(
        "communities/<slug:community_slug>/mentoring/",
        mentoring_api.overview,
        name="api-community-mentoring",
    ),
    path(
        "communities/<slug:community_slug>/invitations/",
        invitations,
        name="api-community-invitations",
    ),
    path(
        "communities/<slug:community_slug>/related/",
        api_constellations.RelationListView.as_view(),
        name="api-community-relations",
    ),
    path(
        "communities/<slug:community_slug>/related/<id:pk>/",
        api_constellations.RelationView.as_view(),
        name="api-community-relation",
    ),
    path(
        "communities/<slug:community_slug>/related/<id:pk>/acceptance/",
        api_constellations.RelationAcceptanceView.as_view(),
        name="api-community-relation-acceptance",
    ),
    path(
        "communities/<slug:community_slug>/related/<id:pk>/refusal/",
        api_constellations.RelationRefusalView.as_view(),
        name="api-community-relation-refusal",
    ),
    path(
        "communities/<slug:community_slug>/shared-practices/",
        knowledge_api_sharing.SharedPracticeListView.as_view(),
        name="api-community-shared-practices",
    ),
    path(
        "communities/<slug:community_slug>/shared-practices/<id:pk>/",
        knowledge_api_sharing.SharedPracticeView.as_view(),
        name="api-community-shared-practice",
    ),
    path(
        "practices/<id:pk>/shares/",
        knowledge_api_sharing.PracticeSharesView.as_view(),
        name="api-practice-shares",
    ),
    path(
        "practices/<id:pk>/shares/<id:share_id>/",
        knowledge_api_sharing.PracticeShareView.as_view(),
        name="api-practice-share",
    ),
    path(
        "meetings/<id:meeting_id>/cohosts/",
        meetings_api_cohosts.MeetingCohostsView.as_view(),
        name="api-meeting-cohosts",
    ),
    path(
        "meetings/<id:meeting_id>/agenda/suggestions/",
        meetings_api_agenda.AgendaSuggestionsView.as_view(),
        name="api-meeting-agenda-suggestions",
    ),
    path(
        "meetings/<id:meeting_id>/feedback/",
        meetings_api_feedback.MeetingFeedbackView.as_view(),
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
    path(
        "communities/<slug:community_slug>/announcements/",
        api_conversation.AnnouncementsView.as_view(),
        name="api-community-announcements",
    ),
    path(
        "communities/<slug:community_slug>/announcements/<id:pk>/",
        api_conversation.AnnouncementView.as_view(),
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
