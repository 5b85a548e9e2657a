"""Demo data for `manage.py seed_demo`. Each app's issue extends it; nothing is duplicated
on a second run because every row is fetched by a natural key before it is created."""

from allauth.account.models import EmailAddress

from cop.models import User

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


def seed_demo() -> list[str]:
    """Create everything; return lines that say what is there."""
    users = seed_users()
    return [
        f"{len(users)} demo users; log in as any of them with password “{DEMO_PASSWORD}”,"
        " for example ada@example.org (admin@example.org is a site admin).",
    ]
