from django.apps import AppConfig
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
