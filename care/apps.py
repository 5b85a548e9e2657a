from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    """Following, bookmarks, the home feed, and moderation under a code of conduct."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "care"
    verbose_name = _("Following and moderation")

    def ready(self) -> None:
        from cop.content import on_published

        from .services.follows import notify_followers_after_commit

        on_published(notify_followers_after_commit)
        _register_member_profiles()


def _register_member_profiles() -> None:
    """A member's profile in a community: flagged (warn or remove; nothing to hide) and
    followed (their new stories and problems)."""
    from django.urls import reverse

    from cop.content import register_content
    from cop.models import Membership

    register_content(
        key="member",
        model=Membership,
        label=_("member profile"),
        community=lambda obj: obj.community,
        author_id=lambda obj: obj.user_id,
        title=lambda obj: obj.user.name,
        url=lambda obj: reverse("member_profile", args=[obj.community.slug, obj.user_id]),
        related=("community", "user"),
        can_view=lambda user, obj: obj.status == "active",
        hideable=False,
        bookmarkable=True,
        followable=True,
    )
