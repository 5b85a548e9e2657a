from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CopConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cop"
    verbose_name = _("Copse")
