from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mentoring"
    verbose_name = _("Mentoring")

    def ready(self) -> None:
        from cop.extensions import register_practice_app

        from .demo import seed_mentoring
        from .selectors import onboarding_home_section

        # Onboarding is among the first things a newcomer sees on the community home.
        register_practice_app(
            order=30,
            label=_("Mentoring"),
            url_name="mentoring_home",
            home=("mentoring/home_section.html", onboarding_home_section),
            home_order=5,
            seed=seed_mentoring,
        )
        from .dashboard import register_section

        register_section()
        from cop.extensions import register_mentor_suggester

        from .suggest import suggest_mentor

        register_mentor_suggester(suggest_mentor)
