from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "knowledge"
    verbose_name = _("Knowledge")

    def ready(self) -> None:
        from cop.extensions import (
            register_agenda_suggester,
            register_comment_target,
            register_digest_section,
            register_home_section,
            register_network_column,
            register_outside_input_source,
            register_practice_app,
            register_recounter,
            register_search_indexer,
            register_value_source,
        )

        from .agenda import suggest_agenda
        from .content import register as register_content
        from .dashboard import register_section
        from .demo import seed_knowledge
        from .enums import PUBLIC_ENTRY_STATUSES
        from .learning import home_section as learning_home_section
        from .models import PracticeEntry, Story
        from .network import problem_figures
        from .rules import can_view
        from .search import index_object
        from .selectors import (
            digest_section,
            digest_unanswered_in_expertise,
            home_section,
            value_entry_choices,
        )
        from .services.counters import recount
        from .sharing import shared_by_month
        from .signals_groupthink import register_section as register_groupthink

        register_practice_app(
            order=20,
            label=_("Knowledge"),
            url_name="knowledge:home",
            home=("knowledge/_home_section.html", home_section),
            seed=seed_knowledge,
        )
        register_digest_section(order=20, build=digest_section)
        register_value_source(field="entries", choices=value_entry_choices)
        register_network_column(
            order=20, key="problems", label=_("Problems"), build=problem_figures
        )
        register_search_indexer(index_object)
        register_digest_section(order=25, build=digest_unanswered_in_expertise)
        register_section()

        # A draft practice's comments follow the draft's rule: its author and coordinators.
        live = {"deleted_at__isnull": True}
        # The feed lists comments only where every member sees the item: not hidden by
        # moderation, not a draft.
        listed = {**live, "hidden_at__isnull": True}
        register_comment_target(
            key="story", model=Story, can_view=can_view, live=live, listed=listed
        )
        register_comment_target(
            key="practice",
            model=PracticeEntry,
            can_view=can_view,
            live=live,
            listed={**listed, "status__in": PUBLIC_ENTRY_STATUSES},
        )
        register_recounter(name="replies, endorsements and topics", recount=recount)
        register_outside_input_source(shared_by_month)
        register_content()
        register_agenda_suggester(suggest_agenda)
        register_groupthink()
        register_home_section(
            order=6, template="knowledge/_learning_home.html", context=learning_home_section
        )
