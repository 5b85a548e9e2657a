"""Extension points through which the practice apps add themselves to core pages,
without the core importing them. Apps register in their AppConfig.ready().

- a community tab (Meetings, Knowledge, Mentoring) in every community page's sub-navigation;
- a section on the community home page (upcoming meetings, recent stories, ...);
- a demo-data seeder for `manage.py seed_demo`;
- a value source: what a value story can link to (the meetings and practices it came
  from), so the core's value stories never import the apps they link to.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class CommunityTab:
    order: int
    label: str = field(compare=False)
    url_name: str = field(compare=False)  # reversed with kwargs={"slug": community.slug}


@dataclass(frozen=True, order=True)
class HomeSection:
    order: int
    template: str = field(compare=False)
    # context(community=..., user=..., membership=...) -> dict, with a fixed number of queries
    context: Callable[..., dict] = field(compare=False)


@dataclass(frozen=True, order=True)
class DemoSeeder:
    order: int
    # seed(users: dict[str, User], communities: dict[str, Community]) -> list[str] (report lines)
    seed: Callable[..., list[str]] = field(compare=False)


@dataclass(frozen=True)
class ValueSource:
    field: str  # the ValueStory many-to-many field it fills
    # choices(community) -> QuerySet of what a value story in that community may link to
    choices: Callable = field(compare=False)


COMMUNITY_TABS: list[CommunityTab] = []
HOME_SECTIONS: list[HomeSection] = []
DEMO_SEEDERS: list[DemoSeeder] = []
VALUE_SOURCES: dict[str, ValueSource] = {}


def _add(registry: list, item) -> None:
    registry.append(item)
    registry.sort()


def register_community_tab(*, order: int, label: str, url_name: str) -> None:
    if any(tab.url_name == url_name for tab in COMMUNITY_TABS):
        return
    _add(COMMUNITY_TABS, CommunityTab(order, label, url_name))


def register_home_section(*, order: int, template: str, context: Callable[..., dict]) -> None:
    if any(section.template == template for section in HOME_SECTIONS):
        return
    _add(HOME_SECTIONS, HomeSection(order, template, context))


def register_demo_seeder(*, order: int, seed: Callable[..., list[str]]) -> None:
    if any(seeder.seed is seed for seeder in DEMO_SEEDERS):
        return
    _add(DEMO_SEEDERS, DemoSeeder(order, seed))


def register_practice_app(
    *,
    order: int,
    label: str,
    url_name: str,
    home: tuple[str, Callable[..., dict]],
    seed: Callable[..., list[str]],
    home_order: int | None = None,
) -> None:
    """What every practice app adds to the core: its community tab, its section on the
    community home (`home` is the template and its context builder) and its demo seeder,
    all at `order` (the home section at `home_order` when it sits elsewhere)."""
    template, context = home
    register_community_tab(order=order, label=label, url_name=url_name)
    register_home_section(
        order=order if home_order is None else home_order, template=template, context=context
    )
    register_demo_seeder(order=order, seed=seed)


# --- Digest sections --------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class DigestSection:
    order: int
    # build(user=..., since=...) -> {"title": str, "items": [{"title", "url", "detail"}]} | None.
    # Only about `cop.services.notifications.digest_communities(user)` (active, not muted),
    # only what happened after `since`, with a fixed number of queries.
    build: Callable[..., dict | None] = field(compare=False)


DIGEST_SECTIONS: list[DigestSection] = []


def register_digest_section(*, order: int, build: Callable[..., dict | None]) -> None:
    """Add a section to every member's digest (upcoming meetings, new stories, ...)."""
    if any(section.build is build for section in DIGEST_SECTIONS):
        return
    _add(DIGEST_SECTIONS, DigestSection(order, build))


def register_value_source(*, field: str, choices: Callable) -> None:
    VALUE_SOURCES[field] = ValueSource(field, choices)


def value_choices(field: str, community):
    """What a value story in `community` may link to through `field` (a QuerySet)."""
    return VALUE_SOURCES[field].choices(community)


# --- Email extras and outsiders -----------------------------------------------------------


@dataclass(frozen=True)
class EmailExtras:
    """What an app adds to one notification's email, built when the email is sent (so
    it says what is true then): links to act from the email (label, absolute URL) and
    attachments (MIME parts, e.g. a text/calendar part with its METHOD)."""

    actions: list[tuple[str, str]] = field(default_factory=list)
    attachments: list = field(default_factory=list)


# extras(notification) -> EmailExtras | None, for notifications whose subject is theirs.
EMAIL_EXTRAS: list[Callable] = []
# grant(recipient=..., community=..., kind=..., subject=...) -> bool: whether someone who
# is not a member of a private community may still hear about this subject (a meeting's
# guest about that meeting, and nothing else).
OUTSIDER_GRANTS: list[Callable] = []


def register_email_extras(extras: Callable) -> None:
    if extras not in EMAIL_EXTRAS:
        EMAIL_EXTRAS.append(extras)


def register_outsider_grant(grant: Callable) -> None:
    if grant not in OUTSIDER_GRANTS:
        OUTSIDER_GRANTS.append(grant)


# --- Comment targets --------------------------------------------------------------------


@dataclass(frozen=True)
class CommentTarget:
    """What the core needs to know about a model people can comment on.

    `key` names it in addresses (`/c/<slug>/comments/<key>/<id>/`) and in the API;
    `model` must have a `community` foreign key, a `comment_count` counter and
    `get_absolute_url()`; `can_view(user, obj)` is the app's own visibility rule (so a
    draft or a private community's item never leaks through its comments); `live` is
    the queryset filter of items one may still comment on (not soft-deleted); `listed`
    the filter of items every member of the community sees (not hidden, not a draft),
    whose comments the home feed lists (default: `live`).
    """

    key: str
    model: type
    can_view: Callable[..., bool] = field(compare=False)
    live: dict = field(default_factory=dict, compare=False)
    listed: dict = field(default_factory=dict, compare=False)
    label: Callable[..., str] = field(default=str, compare=False)
    author_field: str = field(default="author", compare=False)


COMMENT_TARGETS: dict[str, CommentTarget] = {}


def register_comment_target(
    *,
    key: str,
    model: type,
    can_view: Callable[..., bool],
    live: dict | None = None,
    listed: dict | None = None,
    label: Callable[..., str] = str,
    author_field: str = "author",
) -> None:
    """Let members comment on `model` (see `CommentTarget`)."""
    COMMENT_TARGETS[key] = CommentTarget(
        key=key,
        model=model,
        can_view=can_view,
        live=live or {},
        listed=(live or {}) if listed is None else listed,
        label=label,
        author_field=author_field,
    )


def comment_target_for_model(model: type) -> CommentTarget | None:
    for target in COMMENT_TARGETS.values():
        if target.model is model:
            return target
    return None


# indexer(obj): (re)index `obj` for search, or remove it when it should not be found.
# The knowledge app, which owns search, registers one; an app whose rows are searched
# (a meeting's notes) calls `index_changed` after writing them, without importing it.
SEARCH_INDEXERS: list[Callable] = []


def register_search_indexer(indexer: Callable) -> None:
    if indexer not in SEARCH_INDEXERS:
        SEARCH_INDEXERS.append(indexer)


def index_changed(obj) -> None:
    for indexer in SEARCH_INDEXERS:
        indexer(obj)


# --- Counters --------------------------------------------------------------------------
# recount(community or None): set an app's stored counters from the rows (for data written
# outside the services: an import, a migration, a repair). `manage.py recount` runs them all.
RECOUNTERS: list[tuple[str, Callable]] = []


def register_recounter(*, name: str, recount: Callable) -> None:
    if all(existing != name for existing, _recount in RECOUNTERS):
        RECOUNTERS.append((name, recount))


# --- The network page ----------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class NetworkColumn:
    """A column an app adds to the site-wide network page (problems, next meeting).
    `build(community_ids, now)` returns {community_id: display text} for the listed
    communities in ONE query whatever their number; a missing id shows a dash. It says
    figures only, never content, since private communities are listed too."""

    order: int
    key: str = field(compare=False)
    label: str = field(compare=False)
    build: Callable[..., dict] = field(compare=False)


NETWORK_COLUMNS: list[NetworkColumn] = []


def register_network_column(*, order: int, key: str, label: str, build: Callable) -> None:
    if any(column.key == key for column in NETWORK_COLUMNS):
        return
    _add(NETWORK_COLUMNS, NetworkColumn(order, key, label, build))


# --- Agenda suggestions, mentor suggestions and outside input ---------------------------


@dataclass(frozen=True)
class AgendaSuggestion:
    """A topic suggested to a meeting's hosts, with the plain-words reason it was made.

    `key` identifies it for accepting (`problem:12`, `topic:3:trending`); accepting adds
    an agenda item titled `title`, with `details` (Markdown naming the source), linked to
    `problem_id` when the suggestion is a problem.
    """

    key: str
    kind: str  # votes | unanswered | gap | trending
    title: str
    reason: str
    score: float
    url: str = ""
    details: str = ""
    problem_id: int | None = None


# suggest(user=..., meeting=...) -> list[AgendaSuggestion]: only what `user` may see, a
# fixed number of queries. The knowledge app registers one (meetings never imports it).
AGENDA_SUGGESTERS: list[Callable] = []


def register_agenda_suggester(suggest: Callable) -> None:
    if suggest not in AGENDA_SUGGESTERS:
        AGENDA_SUGGESTERS.append(suggest)


def agenda_suggestions(*, user, meeting, limit: int = 10) -> list[AgendaSuggestion]:
    """Every registered suggester's suggestions for `meeting`, best first, one per key."""
    found: dict[str, AgendaSuggestion] = {}
    for suggest in AGENDA_SUGGESTERS:
        for suggestion in suggest(user=user, meeting=meeting):
            if suggestion.key not in found or found[suggestion.key].score < suggestion.score:
                found[suggestion.key] = suggestion
    return sorted(found.values(), key=lambda s: (-s.score, s.title, s.key))[:limit]


@dataclass(frozen=True)
class MentorSuggestion:
    """A mentor suggested to a newcomer for some topics, with the reason."""

    user_id: int
    name: str
    reason: str
    url: str = ""


# suggest(user=..., community=..., topics=[Tag, ...]) -> MentorSuggestion | None. The
# mentoring app registers one, so the knowledge app's learning path never imports it.
MENTOR_SUGGESTERS: list[Callable] = []


def register_mentor_suggester(suggest: Callable) -> None:
    if suggest not in MENTOR_SUGGESTERS:
        MENTOR_SUGGESTERS.append(suggest)


def suggest_mentor(*, user, community, topics) -> MentorSuggestion | None:
    for suggest in MENTOR_SUGGESTERS:
        found = suggest(user=user, community=community, topics=topics)
        if found is not None:
            return found
    return None


# source(community=..., since=..., until=...) -> dict[str (YYYY-MM), int]: outside input
# per month that an app knows about (practices shared from related communities). The
# groupthink signals count what is registered here beside the meetings' guests; until
# an app registers one, that part says "not yet available".
OUTSIDE_INPUT_SOURCES: list[Callable] = []


def register_outside_input_source(source: Callable) -> None:
    if source not in OUTSIDE_INPUT_SOURCES:
        OUTSIDE_INPUT_SOURCES.append(source)
