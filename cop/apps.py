from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class CopConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cop"
    verbose_name = _("Copse")

    def ready(self) -> None:
        from django.urls import register_converter

        from cop.converters import IdConverter
        from cop.extensions import register_community_tab

        register_converter(IdConverter, "id")

        from cop.api.support import accept_text_only

        accept_text_only()

        from django.db.models.signals import m2m_changed, post_delete, post_save

        from cop.cache import community_changed, membership_changed, people_changed
        from cop.models import Community, Membership, User

        # Bylines show names: kept fragments follow any change (cop.cache).
        post_save.connect(people_changed, sender=User, dispatch_uid="copse-people-changed")
        post_delete.connect(people_changed, sender=User, dispatch_uid="copse-people-gone")
        post_save.connect(community_changed, sender=Community, dispatch_uid="copse-community")
        # The member directory shows levels, roles and expertise: it follows any change.
        post_save.connect(membership_changed, sender=Membership, dispatch_uid="copse-members")
        post_delete.connect(membership_changed, sender=Membership, dispatch_uid="copse-left")
        m2m_changed.connect(
            membership_changed, sender=Membership.expertise.through, dispatch_uid="copse-expertise"
        )

        register_community_tab(order=40, label=_("Value stories"), url_name="value_story_list")
        register_community_tab(order=50, label=_("Announcements"), url_name="announcements")

        from cop.extensions import register_home_section
        from cop.views.network import related_section

        # Late on the home page: the constellation the community belongs to.
        register_home_section(
            order=90, template="cop/_related_section.html", context=related_section
        )

        from cop.extensions import register_comment_target
        from cop.models import ValueStory
        from cop.rules import can_view_community

        register_comment_target(
            key="value-story",
            model=ValueStory,
            can_view=lambda user, story: can_view_community(user, story.community),
            author_field="narrator",
        )

        # Comments can be flagged and hidden by moderation (`care`) like any content.
        from cop.content import register_content
        from cop.extensions import register_recounter
        from cop.models import Comment
        from cop.rules import can_see_comment, can_view_target
        from cop.services.comments import comment_url, recount_comments, set_hidden_by_moderation
        from cop.services.directory import recount_sort_names

        register_recounter(name="comments", recount=recount_comments)
        register_recounter(name="directory sort names", recount=recount_sort_names)

        from cop.content import register_feed_source
        from cop.feed import feed_announcements, feed_comments

        register_feed_source(key="announcement", order=50, fetch=feed_announcements)
        register_feed_source(key="comment", order=5, fetch=feed_comments)

        register_content(
            key="comment",
            model=Comment,
            label=_("comment"),
            community=lambda comment: comment.community,
            author_id=lambda comment: comment.author_id,
            title=lambda comment: _("Comment by %(name)s") % {"name": comment.author.name},
            url=comment_url,
            related=("community", "author"),
            bookmarkable=False,
            can_view=lambda user, comment: (
                can_view_target(user, comment.target) and can_see_comment(user, comment)
            ),
            set_hidden=set_hidden_by_moderation,
        )

        # The monthly spotlight of thanked contributors on the community home.
        from cop.extensions import register_home_section
        from cop.services.thanks import spotlight_section

        register_home_section(order=40, template="cop/_spotlight.html", context=spotlight_section)

        from django.db.models.signals import pre_save

        from cop.text import clean_single_line_fields

        # Every single-line field of Copse's own models is saved as one line.
        for app in ("cop", "meetings", "knowledge", "mentoring"):
            for model in apps.get_app_config(app).get_models():
                pre_save.connect(
                    clean_single_line_fields, sender=model, dispatch_uid=f"single-line-{model}"
                )

        # allauth sets a new primary address itself; a member without a display name is
        # listed by it, so the directory's sort name follows (the service does the work).
        from allauth.account.signals import email_changed

        from cop.services.directory import refresh_sort_names

        def follow_primary_email(sender, *, user, **kwargs) -> None:
            refresh_sort_names(user=user)

        email_changed.connect(follow_primary_email, weak=False, dispatch_uid="directory-sort-name")
