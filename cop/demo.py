"""Demo data for `manage.py seed_demo`. Each app's issue extends it; nothing is duplicated
on a second run because every row is fetched by a natural key before it is created."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone

from cop.enums import JoinPolicy, MembershipStatus, ParticipationKind, Role, Stage, Visibility
from cop.extensions import DEMO_SEEDERS, value_choices
from cop.models import Community, Membership, User, ValueFollowUp, ValueStory
from cop.services.communities import create_community
from cop.services.directory import sort_name_of
from cop.services.participation import recompute_level, record_participation
from cop.services.value import tell_value_story

DEMO_PASSWORD = "copse-demo"  # noqa: S105 -- published in README for local trials

DEMO_USERS = [
    # email, display name, time zone, bio
    (
        "ada@example.org",
        "Ada Okafor",
        "Europe/Berlin",
        "Site reliability lead; coordinates the SRE guild.",
    ),
    (
        "ben@example.org",
        "Ben Carter",
        "America/New_York",
        "Platform engineer, on call more than he'd like.",
    ),
    ("chen@example.org", "Chen Wei", "Asia/Singapore", "Database person. Ask me about vacuum."),
    (
        "dara@example.org",
        "Dara Nolan",
        "Europe/Dublin",
        "Nurse educator, runs the bedside-teaching circle.",
    ),
    (
        "eli@example.org",
        "Eli Haddad",
        "Europe/Paris",
        "Joined last month; learning incident response.",
    ),
    (
        "fatima@example.org",
        "Fatima Zahra",
        "Africa/Casablanca",
        "Security engineer, threat modelling.",
    ),
    ("gus@example.org", "Gus Lindqvist", "Europe/Stockholm", "Mostly reads. Occasionally asks."),
    (
        "hana@example.org",
        "Hana Sato",
        "Asia/Tokyo",
        "Frontend developer moving into accessibility work.",
    ),
    ("ivan@example.org", "Ivan Petrov", "Europe/Sofia", "Network engineer and weekend beekeeper."),
    (
        "june@example.org",
        "June Park",
        "America/Los_Angeles",
        "New to the community, curious about everything.",
    ),
]


def _user(email: str, name: str, tz: str, bio: str) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(
        email=email, defaults={"display_name": name, "timezone": tz, "bio": bio}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user, created


def seed_users() -> dict[str, User]:
    users = {}
    for email, name, tz, bio in DEMO_USERS:
        users[email.split("@")[0]], _ = _user(email, name, tz, bio)
    admin, created = User.objects.get_or_create(
        email="admin@example.org",
        defaults={"display_name": "Site admin", "is_staff": True, "is_superuser": True},
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=admin, email=admin.email, defaults={"verified": True, "primary": True}
    )
    users["admin"] = admin
    return users


DEMO_COMMUNITIES = [
    {
        "slug": "sre-guild",
        "name": "SRE Guild",
        "coordinator": "ada",
        "domain": "Keeping production systems reliable: incidents, on-call, observability "
        "and the craft of running software for people.",
        "purpose": "Learn from each other's incidents, share runbooks that work, and help "
        "new on-call engineers feel safe.",
        "description": "We meet **every Thursday** for an incident review and once a month "
        "for a workshop.\n\n- Bring a problem, however small\n- Tell a story from your "
        "last on-call week\n- Say *this worked for me* when a practice helped you",
        "visibility": Visibility.PUBLIC,
        "join_policy": JoinPolicy.OPEN,
        "stage": Stage.ACTIVE,
        "tags": [
            "incident response",
            "observability",
            "on-call",
            "PostgreSQL",
            "capacity planning",
        ],
        # member key, role, days since joining, events as (kind, days ago)
        "members": [
            ("chen", Role.COORDINATOR, 400, "core"),
            ("ben", Role.MEMBER, 300, "active"),
            ("ivan", Role.MEMBER, 250, "active"),
            ("fatima", Role.MEMBER, 200, "peripheral"),
            ("gus", Role.MEMBER, 380, "reader"),
            ("hana", Role.MEMBER, 120, "peripheral"),
            ("eli", Role.MEMBER, 12, "newcomer"),
            ("june", Role.MEMBER, 4, "reader"),
        ],
        "coordinator_profile": "core",
    },
    {
        "slug": "bedside-teaching",
        "name": "Bedside Teaching Circle",
        "coordinator": "dara",
        "domain": "Teaching clinical skills at the bedside without losing sight of the patient.",
        "purpose": "Share teaching moments, cases and feedback techniques between ward nurses "
        "and educators.",
        "description": "Members are nurses, educators and students. Requests are approved by "
        "a coordinator so we know who is in the room.",
        "visibility": Visibility.PUBLIC,
        "join_policy": JoinPolicy.APPROVAL,
        "stage": Stage.COALESCING,
        "tags": ["feedback", "simulation", "case teaching", "preceptorship"],
        "members": [
            ("hana", Role.MEMBER, 60, "active"),
            ("gus", Role.MEMBER, 90, "reader"),
        ],
        "pending": [("june", "I start as a preceptor next month and would love to learn.")],
        "coordinator_profile": "active",
    },
    {
        "slug": "security-champions",
        "name": "Security Champions",
        "coordinator": "fatima",
        "domain": "Threat modelling and secure design inside product teams.",
        "purpose": "A private space for champions to discuss findings before they are public.",
        "description": "Private: what is said here stays here until it is fixed.",
        "visibility": Visibility.PRIVATE,
        "join_policy": JoinPolicy.INVITATION,
        "stage": Stage.POTENTIAL,
        "tags": ["threat modelling", "secure design", "incident response"],
        "members": [("ada", Role.MEMBER, 40, "active"), ("ivan", Role.MEMBER, 20, "newcomer")],
        "coordinator_profile": "core",
    },
    {
        "slug": "a11y-practitioners",
        "name": "Accessibility Practitioners",
        "coordinator": "hana",
        "domain": "Making the web usable by everyone, one component at a time.",
        "purpose": "Swap audit techniques and patterns that pass real assistive-technology tests.",
        "description": "",
        "visibility": Visibility.PRIVATE,
        "join_policy": JoinPolicy.APPROVAL,
        "stage": Stage.POTENTIAL,
        "tags": ["screen readers", "WCAG", "design systems"],
        "members": [("june", Role.MEMBER, 8, "newcomer")],
        "coordinator_profile": "active",
    },
]

# Participation that puts a member at a level (kind, days ago).
PROFILES = {
    "core": [
        (ParticipationKind.HOSTED_MEETING, 5),
        (ParticipationKind.HOSTED_MEETING, 33),
        (ParticipationKind.SOLUTION_ACCEPTED, 12),
        (ParticipationKind.ANSWERED_PROBLEM, 12),
        (ParticipationKind.TOLD_STORY, 20),
        (ParticipationKind.WROTE_ENTRY, 40),
        (ParticipationKind.MENTORED, 25),
        (ParticipationKind.ATTENDED_MEETING, 5),
        (ParticipationKind.ATTENDED_MEETING, 12),
    ],
    "active": [
        (ParticipationKind.ATTENDED_MEETING, 5),
        (ParticipationKind.ATTENDED_MEETING, 19),
        (ParticipationKind.ANSWERED_PROBLEM, 9),
        (ParticipationKind.TOLD_STORY, 30),
    ],
    "peripheral": [(ParticipationKind.ATTENDED_MEETING, 26), (ParticipationKind.ASKED_PROBLEM, 50)],
    "newcomer": [(ParticipationKind.INTRODUCED_SELF, 11), (ParticipationKind.ATTENDED_MEETING, 5)],
    "reader": [],
}


def _seed_events(membership: Membership, profile: str) -> None:
    now = timezone.now()
    for kind, days_ago in PROFILES[profile]:
        record_participation(
            member=membership, kind=kind, occurred_at=now - timedelta(days=days_ago)
        )
    recompute_level(membership=membership)


def _membership(community: Community, user: User, role: str, days: int, profile: str) -> None:
    membership, created = Membership.objects.get_or_create(
        community=community,
        user=user,
        defaults={
            "role": role,
            "status": MembershipStatus.ACTIVE,
            "joined_at": timezone.now() - timedelta(days=days),
            "created_at": timezone.now() - timedelta(days=days),
            "sort_name": sort_name_of(user),
        },
    )
    if created:
        _seed_events(membership, profile)
        if profile in ("core", "active"):
            tags = list(community.tags.order_by("name"))
            if tags:
                start = user.pk % len(tags)
                membership.expertise.set((tags + tags)[start : start + 2])


def seed_communities(users: dict[str, User]) -> dict[str, Community]:
    communities = {}
    for spec in DEMO_COMMUNITIES:
        community = Community.objects.filter(slug=spec["slug"]).first()
        if community is None:
            community = create_community(
                creator=users[spec["coordinator"]],
                **{
                    key: spec[key]
                    for key in (
                        "name", "slug", "domain", "purpose", "description",
                        "visibility", "join_policy", "stage", "tags",
                    )
                },
            )  # fmt: skip
            coordinator = community.memberships.get(user=users[spec["coordinator"]])
            coordinator.joined_at = coordinator.created_at = timezone.now() - timedelta(days=500)
            coordinator.save(update_fields=["joined_at", "created_at"])
            _seed_events(coordinator, spec["coordinator_profile"])
        for key, role, days, profile in spec["members"]:
            _membership(community, users[key], role, days, profile)
        for key, message in spec.get("pending", []):
            Membership.objects.get_or_create(
                community=community,
                user=users[key],
                defaults={
                    "status": MembershipStatus.PENDING,
                    "request_message": message,
                    "sort_name": sort_name_of(users[key]),
                },
            )
        communities[spec["slug"]] = community
    return communities


def seed_demo() -> list[str]:
    """Create everything; return lines that say what is there."""
    users = seed_users()
    communities = seed_communities(users)
    report = [
        f"{len(users)} demo users; log in as any of them with password “{DEMO_PASSWORD}”,"
        " for example ada@example.org (admin@example.org is a site admin).",
        f"{len(communities)} communities: " + ", ".join(sorted(communities)),
    ]
    for seeder in DEMO_SEEDERS:
        report.extend(seeder.seed(users=users, communities=communities))
    report.extend(seed_value_stories(users, communities))
    return report


def seed_value_stories(users: dict[str, User], communities: dict[str, Community]) -> list[str]:
    """Two value stories in the SRE Guild, one already followed up after 30 days."""

    community = communities.get("sre-guild")
    if community is None or ValueStory.objects.filter(community=community).exists():
        return []
    now = timezone.now()
    meeting = value_choices("meetings", community).first()
    entry = value_choices("entries", community).order_by("pk").first()
    first = tell_value_story(
        community=community,
        narrator=users["ben"],
        title="Replica lag alerts that finally mean something",
        immediate="At the incident review Chen explained how she tunes replica lag alerts.",
        potential="I saw that our thresholds were copied from a blog post, not from our traffic.",
        applied="I rewrote our alert rules with her method the next morning.",
        realized="Night pages for replica lag went from nine a month to one.",
        transformative="",
        aspirational_ending="The other platform teams adopt the same method this quarter.",
        meetings=[meeting] if meeting else [],
        entries=[entry] if entry else [],
    )
    ValueStory.objects.filter(pk=first.pk).update(created_at=now - timedelta(days=40))
    ValueFollowUp.objects.create(
        story=first,
        after_days=30,
        asked_at=now - timedelta(days=10),
        outcome="partly",
        note="Two of the three teams did.",
        answered_at=now - timedelta(days=9),
    )
    tell_value_story(
        community=community,
        narrator=users["eli"],
        title="My first on-call week felt safe",
        immediate="June paired with me on my first on-call shift after I asked in a problem.",
        potential="I learned where the runbooks are and who to call.",
        aspirational_ending="I take a shift alone next month.",
    )
    return ["Value stories: 2 added in sre-guild."]
