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
