"""The meetings app."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from cop.extensions import (
            register_digest_section,
            register_email_extras,
            register_outsider_grant,
            register_practice_app,
            register_value_source,
        )

        from .demo import seed_meetings
        from .selectors import digest_section, home_section_context, linkable_meetings

        register_practice_app(
            order=10,
            label=_("Meetings"),
            url_name="meetings:community",
            home=("meetings/_home_section.html", home_section_context),
            seed=seed_meetings,
        )
        register_digest_section(order=10, build=digest_section)
        register_value_source(field="meetings", choices=linkable_meetings)
        from cop.extensions import register_network_column

        from .network import next_meeting_figures

        register_network_column(
            order=30, key="next_meeting", label=_("Next meeting"), build=next_meeting_figures
        )
        from .links import email_extras, outsider_grant

        register_email_extras(email_extras)
        register_outsider_grant(outsider_grant)
        from .dashboard import register_section

        register_section()

        from cop.extensions import register_comment_target

        from .models import Meeting
        from .rules import can_view_meeting

        register_comment_target(
            key="meeting", model=Meeting, can_view=can_view_meeting, author_field=""
        )
        from .content import register as register_content

        register_content()
        from django.db.models.signals import pre_delete

        from cop.extensions import register_recounter
        from cop.models import User

        from .counters import recount

        register_recounter(name="meeting answers and attendance", recount=recount)
        pre_delete.connect(_forget_person, sender=User, dispatch_uid="meetings.forget_person")
        from django.db.models.signals import post_delete, post_save

        from cop.models import Community, CommunityRelation

        from .listing import meeting_changed, network_changed

        # The Meetings tab's kept fragments follow every save (`meetings.listing`).
        post_save.connect(meeting_changed, sender=Meeting, dispatch_uid="meetings.list_saved")
        pre_delete.connect(meeting_changed, sender=Meeting, dispatch_uid="meetings.list_deleted")
        for model in (Community, CommunityRelation):
            for signal in (post_save, post_delete):
                signal.connect(network_changed, sender=model, dispatch_uid=f"meetings.{model}")


def _forget_person(sender, instance, **kwargs) -> None:
    """A deleted account's answers and attendance leave through the service, which
    moves the waitlist up and keeps the meetings' counts (the cascade alone would not)."""
    from .services import forget_person

    forget_person(user=instance)
