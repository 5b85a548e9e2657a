from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mentoring"
    verbose_name = _("Mentoring")

    def ready(self) -> None:
        from cop.extensions import (
            register_community_tab,
            register_demo_seeder,
            register_home_section,
        )

        from .demo import seed_mentoring
        from .selectors import onboarding_home_section

        register_community_tab(order=30, label=_("Mentoring"), url_name="mentoring_home")
        register_home_section(
            order=5, template="mentoring/home_section.html", context=onboarding_home_section
        )
        register_demo_seeder(order=30, seed=seed_mentoring)
        from .dashboard import register_section

        register_section()
        from cop.extensions import register_mentor_suggester

        from .suggest import suggest_mentor

        register_mentor_suggester(suggest_mentor)
