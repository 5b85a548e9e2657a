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

        register_community_tab(order=40, label=_("Value stories"), url_name="value_story_list")
        register_community_tab(order=50, label=_("Announcements"), url_name="announcements")

        from cop.extensions import register_comment_target
        from cop.models import ValueStory
        from cop.rules import can_view_community

        register_comment_target(
            key="value-story",
            model=ValueStory,
            can_view=lambda user, story: can_view_community(user, story.community),
            author_field="narrator",
        )

        from django.db.models.signals import pre_save

        from cop.text import clean_single_line_fields

        # Every single-line field of Copse's own models is saved as one line.
        for app in ("cop", "meetings", "knowledge", "mentoring"):
            for model in apps.get_app_config(app).get_models():
                pre_save.connect(
                    clean_single_line_fields, sender=model, dispatch_uid=f"single-line-{model}"
                )
