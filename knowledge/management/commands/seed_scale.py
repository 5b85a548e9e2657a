"""Seed a large, realistic data set for benchmarks (PostgreSQL only).

    manage.py seed_scale --problems 100000 --replies-per-problem 10 --stories 100000 \\
        --members 10000 --communities 3

Rows are written set-wise inside PostgreSQL (`INSERT … SELECT` over `generate_series`),
not one by one through the ORM, so a million replies take seconds. They are what the
services would have written: authors among the community's members, topics with their
use counts, problems with replies and accepted solutions (some unanswered), stories,
practices in every state with revisions and endorsements, a year of weekly meetings
with RSVPs and attendance, participation events for the last year, notifications and
search documents with their weighted vectors. The first community (`scale-1`, public)
holds the volume; the others (one of them private) hold a small share, so visibility
filters have something to filter.

Members log in as `scale-member@example.org` and `scale-coordinator@example.org`
(password `scale-password`).
"""

import random
import time
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from cop.enums import PARTICIPATION_WEIGHTS, JoinPolicy, Level, Role, Visibility
from cop.models import Community, Membership, Notification, Tag, User
from cop.services.directory import sort_name_of
from knowledge.models import Problem
from knowledge.services.meanings import embed_all_titles
from meetings.counters import refresh_counts
from meetings.models import RSVP, Attendance, Meeting

PASSWORD = "scale-password"  # noqa: S105 -- a documented benchmark login, never a real one

# A vocabulary with a long tail: a few words appear in most texts (the "very common"
# search terms), most are rare, as in real writing.
COMMON = [
    "team",
    "deploy",
    "release",
    "service",
    "data",
    "process",
    "review",
    "meeting",
    "process",
    "customer",
]
MIDDLE = [
    "onboarding",
    "mentor",
    "pipeline",
    "incident",
    "rollback",
    "outage",
    "latency",
    "database",
    "migration",
    "backlog",
    "retrospective",
    "handover",
    "checklist",
    "runbook",
    "dashboard",
    "alert",
    "pager",
    "budget",
    "estimate",
    "contract",
    "supplier",
    "invoice",
    "training",
    "workshop",
    "interview",
    "feedback",
    "template",
    "policy",
    "audit",
    "compliance",
    "security",
    "password",
    "token",
    "certificate",
    "network",
    "firewall",
    "backup",
    "restore",
    "storage",
    "cluster",
    "container",
    "kubernetes",
    "terraform",
    "ansible",
    "python",
    "django",
    "postgres",
    "redis",
    "celery",
    "queue",
    "worker",
    "cache",
    "index",
    "query",
    "schema",
    "report",
    "metric",
    "survey",
    "stakeholder",
    "roadmap",
    "priority",
    "deadline",
    "scope",
    "risk",
    "quality",
    "testing",
    "regression",
    "flaky",
    "coverage",
    "fixture",
    "browser",
    "mobile",
    "release",
]
RARE = [
    "quokka",
    "zephyr",
    "obsidian",
    "marzipan",
    "fjord",
    "kumquat",
    "lodestar",
    "nebula",
    "origami",
    "paprika",
    "quasar",
    "rhubarb",
    "saffron",
    "tundra",
    "umber",
    "vellum",
    "wombat",
    "xylophone",
    "yonder",
    "zircon",
    "arbor",
    "basalt",
    "cobalt",
    "dunlin",
    "egret",
    "fennel",
    "garnet",
    "heron",
    "iris",
    "juniper",
    "kestrel",
    "lichen",
    "mistral",
    "nutmeg",
    "osprey",
]
TOPICS = [
    "Onboarding",
    "Incidents",
    "Releases",
    "Databases",
    "Security",
    "Testing",
    "Mentoring",
    "Meetings",
    "Budgets",
    "Suppliers",
    "Training",
    "Reporting",
    "Networks",
    "Backups",
    "Containers",
    "Caching",
    "Queues",
    "Dashboards",
    "Policies",
    "Audits",
]


def _sentences(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        words = []
        for _ in range(rng.randint(12, 30)):
            roll = rng.random()
            pool = COMMON if roll < 0.25 else MIDDLE if roll < 0.97 else RARE
            words.append(rng.choice(pool))
        out.append(" ".join(words).capitalize() + ".")
    return out


def _titles(rng: random.Random, n: int) -> list[str]:
    shapes = [
        "How do we {a} the {b} after a {c}?",
        "{A} keeps failing during {b}",
        "Best way to {a} {b} for a new {c}",
        "{A} and {b}: what worked for you?",
        "Our {a} {b} is slow since the {c}",
    ]
    out = []
    for _ in range(n):
        a, b, c = (rng.choice(MIDDLE) for _ in range(3))
        if rng.random() < 0.02:
            b = rng.choice(RARE)
        shape = rng.choice(shapes)
        out.append(shape.format(a=a, A=a.capitalize(), b=b, c=c)[:200])
    return out


class Command(BaseCommand):
    help = "Seed a large benchmark data set into PostgreSQL (see the module docstring)."

    def add_arguments(self, parser):
        parser.add_argument("--problems", type=int, default=10_000)
        parser.add_argument("--replies-per-problem", type=int, default=10)
        parser.add_argument("--stories", type=int, default=None, help="default: as problems")
        parser.add_argument("--entries", type=int, default=None, help="default: problems/20")
        parser.add_argument("--members", type=int, default=10_000)
        parser.add_argument("--communities", type=int, default=3)
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale writes set-wise SQL and needs PostgreSQL.")
        if Community.objects.filter(slug="scale-1").exists():
            raise CommandError("This database already holds a scale data set; use a fresh one.")
        for name in ("problems", "replies_per_problem", "members", "communities"):
            if options[name] < (1 if name != "replies_per_problem" else 0):
                raise CommandError(f"--{name.replace('_', '-')} must be positive.")
        self.rng = random.Random(options["seed"])
        self.now = timezone.now()
        started = time.monotonic()
        problems = options["problems"]
        stories = problems if options["stories"] is None else options["stories"]
        entries = max(problems // 20, 10) if options["entries"] is None else options["entries"]
        with transaction.atomic():
            communities = self._people(options["members"], options["communities"])
            self._texts()
            self._step("problems and replies", self._problems, communities, problems,
                       options["replies_per_problem"])  # fmt: skip
            self._step("stories", self._stories, communities, stories)
            self._step("practices", self._entries, communities, entries)
            self._step("meetings", self._meetings, communities[0])
            self._step("participation", self._participation)
            self._step("notifications", self._notifications, communities[0])
            self._step("search documents", self._search_documents)
            # The 10,000 distinct titles are encoded once; the other documents copy them.
            self._step("title meanings", embed_all_titles)
            self._step("topic counts", self._topic_counts)
            self._sql(
                "DROP TABLE seed_members, seed_counts, seed_sentences, seed_titles, seed_vectors"
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(f"seeded in {time.monotonic() - started:.1f} s")

    # --- helpers -------------------------------------------------------------------------

    def _sql(self, sql: str, params=None) -> int:
        with connection.cursor() as cursor:
            # Always with parameters, so `%%` means `%` in every statement.
            cursor.execute(sql, params if params is not None else {})
            return cursor.rowcount

    def _step(self, label: str, fn, *args) -> None:
        started = time.monotonic()
        fn(*args)
        # Fresh statistics for what the next step joins against: without them the
        # planner takes a table just filled for an empty one and loops over it.
        self._sql("ANALYZE")
        self.stdout.write(f"  {label}: {time.monotonic() - started:.1f} s")

    # --- people --------------------------------------------------------------------------

    def _people(self, members: int, count: int) -> list[Community]:
        started = time.monotonic()
        communities = []
        for i in range(1, count + 1):
            communities.append(
                Community.objects.create(
                    name=f"Scale community {i}",
                    slug=f"scale-{i}",
                    domain="How teams ship and run software together.",
                    purpose="A benchmark community at scale.",
                    visibility=Visibility.PRIVATE if i == 2 else Visibility.PUBLIC,
                    join_policy=JoinPolicy.OPEN,
                )
            )
        for community in communities:
            Tag.objects.bulk_create(
                [Tag(community=community, name=t, slug=t.lower()) for t in TOPICS]
            )
        password = make_password(PASSWORD)
        users = [
            User(email="scale-coordinator@example.org", display_name="Scale Coordinator",
                 password=password),
            User(email="scale-member@example.org", display_name="Scale Member",
                 password=password),
        ]  # fmt: skip
        users += [
            User(
                email=f"scale{i}@example.org",
                display_name=f"Member {i}",
                password="!",  # noqa: S106 -- an unusable password: these never log in
                date_joined=self.now - timedelta(days=self.rng.randint(1, 1000)),
            )
            for i in range(max(members - 2, 0))
        ]
        users = User.objects.bulk_create(users, batch_size=5000)
        levels = [Level.CORE] + [Level.ACTIVE] * 2 + [Level.PERIPHERAL] * 6 + [Level.NEWCOMER]
        rows = []
        for n, user in enumerate(users):
            rows.append(
                Membership(
                    community=communities[0],
                    user=user,
                    sort_name=sort_name_of(user),
                    role=Role.COORDINATOR if n == 0 else Role.MEMBER,
                    level=self.rng.choice(levels),
                    joined_at=self.now - timedelta(days=self.rng.randint(1, 900)),
                )
            )
            # Every tenth member (and the two logins) also belongs to the other communities.
            if n < 2 or n % 10 == 0:
                rows += [
                    Membership(
                        community=other,
                        user=user,
                        sort_name=sort_name_of(user),
                        role=Role.COORDINATOR if n == 0 else Role.MEMBER,
                        level=Level.PERIPHERAL,
                        joined_at=self.now - timedelta(days=self.rng.randint(1, 900)),
                    )
                    for other in communities[1:]
                ]
        Membership.objects.bulk_create(rows, batch_size=5000)
        self._sql(
            """CREATE TEMP TABLE seed_members AS
               SELECT (row_number() OVER (ORDER BY m.id) - 1)::int AS n, m.user_id,
                      m.id AS membership_id, m.community_id
               FROM cop_membership m"""
        )
        self._sql("CREATE INDEX ON seed_members (community_id, n)")
        self._sql("CREATE INDEX ON seed_members (user_id, community_id)")
        self._number_members_per_community()
        self.stdout.write(
            f"  people: {len(users)} members in {count} communities: "
            f"{time.monotonic() - started:.1f} s"
        )
        return communities

    def _number_members_per_community(self) -> None:
        """Number each community's members 0…n-1, so an author is picked by a modulo."""
        with connection.cursor() as cursor:
            cursor.execute(
                """UPDATE seed_members s SET n = r.k FROM (
                       SELECT membership_id,
                              (row_number() OVER (PARTITION BY community_id ORDER BY n) - 1)::int
                              AS k
                       FROM seed_members) r
                   WHERE r.membership_id = s.membership_id"""
            )
            cursor.execute(
                """CREATE TEMP TABLE seed_counts AS
                   SELECT community_id, count(*)::int AS members FROM seed_members GROUP BY 1"""
            )
            # Temporary tables are never analysed automatically; without statistics the
            # planner loops over them row by row.
            cursor.execute("ANALYZE seed_members")
            cursor.execute("ANALYZE seed_counts")

    def _texts(self) -> None:
        self._sql("CREATE TEMP TABLE seed_sentences (n int PRIMARY KEY, text text)")
        self._sql("CREATE TEMP TABLE seed_titles (n int PRIMARY KEY, text text)")
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO seed_sentences VALUES (%s, %s)",
                list(enumerate(_sentences(self.rng, 10_000))),
            )
            cursor.executemany(
                "INSERT INTO seed_titles VALUES (%s, %s)",
                list(enumerate(_titles(self.rng, 10_000))),
            )
            # Each distinct text parsed once: a million replies reuse 10,000 sentences,
            # and parsing is what makes building search vectors slow.
            cursor.execute(
                """CREATE TEMP TABLE seed_vectors AS
                   SELECT DISTINCT ON (text) text, to_tsvector('english', text) AS vector
                   FROM (SELECT text FROM seed_sentences UNION ALL
                         SELECT text FROM seed_titles) t"""
            )
            cursor.execute("CREATE UNIQUE INDEX ON seed_vectors (text)")
            cursor.execute("ANALYZE seed_sentences")
            cursor.execute("ANALYZE seed_titles")
            cursor.execute("ANALYZE seed_vectors")

    def _shares(self, communities: list[Community], total: int) -> list[tuple[int, int]]:
        """(community id, how many) with the first community holding the volume."""
        others = communities[1:]
        small = max(total // 100, 1) if others else 0
        return [(communities[0].pk, total - small * len(others))] + [(c.pk, small) for c in others]

    # --- knowledge -----------------------------------------------------------------------

    def _problems(self, communities, total: int, replies: int) -> None:
        span = "interval '1095 days'"
        for community_id, count in self._shares(communities, total):
            members = self._count_members(community_id)
            self._sql(
                f"""
                INSERT INTO knowledge_problem (community_id, author_id, title, context, tried,
                    status, solved_at, reply_count, created_at, updated_at)
                SELECT %(c)s, m.user_id, t.text, s1.text || E'\\n\\n' || s2.text, s3.text,
                    CASE WHEN g %% 5 < 2 THEN 'solved' ELSE 'open' END,
                    CASE WHEN g %% 5 < 2 THEN ts + interval '2 hours' END,
                    CASE WHEN g %% 5 = 4 AND g %% 3 = 0 THEN 0 ELSE %(k)s END,
                    ts, ts
                FROM generate_series(1::bigint, %(count)s) g
                CROSS JOIN LATERAL (SELECT now() - ((%(count)s - g)::float8 / %(count)s)
                    * {span} AS ts) t0
                JOIN seed_members m ON m.community_id = %(c)s AND m.n = (g * 7919) %% %(m)s
                JOIN seed_titles t ON t.n = (g * 104729) %% 10000
                JOIN seed_sentences s1 ON s1.n = (g * 31) %% 10000
                JOIN seed_sentences s2 ON s2.n = (g * 131 + 7) %% 10000
                JOIN seed_sentences s3 ON s3.n = (g * 257 + 3) %% 10000
                """,  # noqa: S608 -- only numbers and a fixed interval are formatted in
                {"c": community_id, "count": count, "k": replies, "m": members},
            )
        self._sql(
            """INSERT INTO knowledge_problem_tags (problem_id, tag_id)
               SELECT p.id, t.id FROM knowledge_problem p
               JOIN LATERAL (SELECT id FROM cop_tag WHERE community_id = p.community_id
                             ORDER BY id OFFSET (p.id %% 20) LIMIT 1 + (p.id %% 2)) t ON true"""
        )
        if replies:
            self._replies(replies)

    def _count_members(self, community_id: int) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM seed_members WHERE community_id = %s",
                           [community_id])  # fmt: skip
            return cursor.fetchone()[0]

    def _replies(self, per_problem: int) -> None:
        # Split by id range so that no single statement holds every row in memory.
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(id), max(id) FROM knowledge_problem")
            low, high = cursor.fetchone()
        step = 20_000
        for start in range(low, high + 1, step):
            self._sql(
                """
                INSERT INTO knowledge_reply (problem_id, author_id, body, is_solution,
                    accepted_by_id, accepted_at, created_at, updated_at, thanks_count)
                SELECT p.id, m.user_id, s.text,
                    p.status = 'solved' AND k = 2,
                    CASE WHEN p.status = 'solved' AND k = 2 THEN p.author_id END,
                    CASE WHEN p.status = 'solved' AND k = 2 THEN p.solved_at END,
                    p.created_at + k * interval '37 minutes',
                    p.created_at + k * interval '37 minutes', 0
                FROM knowledge_problem p
                CROSS JOIN generate_series(1, %(k)s) k
                JOIN seed_counts c ON c.community_id = p.community_id
                JOIN seed_members m ON m.community_id = p.community_id
                    AND m.n = (p.id * 13 + k * 7919) %% c.members
                JOIN seed_sentences s ON s.n = (p.id * 17 + k * 101) %% 10000
                WHERE p.id >= %(lo)s AND p.id < %(hi)s AND p.reply_count > 0
                """,
                {"k": per_problem, "lo": start, "hi": start + step},
            )

    def _stories(self, communities, total: int) -> None:
        for community_id, count in self._shares(communities, total):
            members = self._count_members(community_id)
            self._sql(
                """
                INSERT INTO knowledge_story (community_id, author_id, title, situation, action,
                    outcome, lesson, created_at, updated_at, comment_count, thanks_count)
                SELECT %(c)s, m.user_id, t.text, s1.text, s2.text, s3.text, s4.text, ts, ts, 0, 0
                FROM generate_series(1::bigint, %(count)s) g
                CROSS JOIN LATERAL (SELECT now() - ((%(count)s - g)::float8 / %(count)s)
                    * interval '1095 days' AS ts) t0
                JOIN seed_members m ON m.community_id = %(c)s AND m.n = (g * 6007) %% %(m)s
                JOIN seed_titles t ON t.n = (g * 7877) %% 10000
                JOIN seed_sentences s1 ON s1.n = (g * 37) %% 10000
                JOIN seed_sentences s2 ON s2.n = (g * 41 + 1) %% 10000
                JOIN seed_sentences s3 ON s3.n = (g * 43 + 2) %% 10000
                JOIN seed_sentences s4 ON s4.n = (g * 47 + 3) %% 10000
                """,
                {"c": community_id, "count": count, "m": members},
            )
        self._sql(
            """INSERT INTO knowledge_story_tags (story_id, tag_id)
               SELECT s.id, t.id FROM knowledge_story s
               JOIN LATERAL (SELECT id FROM cop_tag WHERE community_id = s.community_id
                             ORDER BY id OFFSET (s.id %% 20) LIMIT 1 + (s.id %% 2)) t ON true"""
        )

    def _entries(self, communities, total: int) -> None:
        for community_id, count in self._shares(communities, total):
            members = self._count_members(community_id)
            self._sql(
                """
                INSERT INTO knowledge_practiceentry (community_id, author_id, owner_id, title,
                    body, kind, status, validated_at, review_date, endorsement_count,
                    created_at, updated_at, comment_count, thanks_count)
                SELECT %(c)s, m.user_id, m.user_id, t.text, s1.text || E'\\n\\n' || s2.text,
                    (ARRAY['how_to','checklist','pattern','lesson'])[1 + g %% 4],
                    st.status,
                    CASE WHEN st.status = 'validated' THEN ts + interval '3 days' END,
                    (ts + interval '180 days')::date,
                    CASE WHEN st.status = 'validated' THEN 3 ELSE 0 END,
                    ts, ts, 0, 0
                FROM generate_series(1::bigint, %(count)s) g
                CROSS JOIN LATERAL (SELECT now() - ((%(count)s - g)::float8 / %(count)s)
                    * interval '1095 days' AS ts,
                    (ARRAY['draft','not_validated','not_validated','not_validated',
                           'validated','validated','validated','validated','archived',
                           'validated'])[1 + g %% 10] AS status) st
                JOIN seed_members m ON m.community_id = %(c)s AND m.n = (g * 389) %% %(m)s
                JOIN seed_titles t ON t.n = (g * 2311) %% 10000
                JOIN seed_sentences s1 ON s1.n = (g * 53) %% 10000
                JOIN seed_sentences s2 ON s2.n = (g * 59 + 1) %% 10000
                """,
                {"c": community_id, "count": count, "m": members},
            )
        self._sql(
            """INSERT INTO knowledge_revision (entry_id, number, title, body, author_id,
                   summary, created_at)
               SELECT id, 1, title, body, author_id, 'First version', created_at
               FROM knowledge_practiceentry"""
        )
        self._sql(
            """INSERT INTO knowledge_practiceentry_tags (practiceentry_id, tag_id)
               SELECT e.id, t.id FROM knowledge_practiceentry e
               JOIN LATERAL (SELECT id FROM cop_tag WHERE community_id = e.community_id
                             ORDER BY id OFFSET (e.id %% 20) LIMIT 1) t ON true"""
        )
        self._sql(
            """INSERT INTO knowledge_endorsement (user_id, entry_id, created_at)
               SELECT m.user_id, e.id, e.validated_at
               FROM knowledge_practiceentry e CROSS JOIN generate_series(1, 3) k
               JOIN seed_counts c ON c.community_id = e.community_id
               JOIN seed_members m ON m.community_id = e.community_id
                   AND m.n = (e.id * 3 + k * 97) %% c.members
               WHERE e.status = 'validated' AND m.user_id <> e.author_id
               ON CONFLICT DO NOTHING"""
        )
        self._sql(
            """UPDATE knowledge_practiceentry e SET endorsement_count = c.n
               FROM (SELECT entry_id, count(*) AS n FROM knowledge_endorsement
                     WHERE entry_id IS NOT NULL GROUP BY entry_id) c
               WHERE c.entry_id = e.id"""
        )

    # --- meetings ------------------------------------------------------------------------

    def _meetings(self, community: Community) -> None:
        """A year of weekly meetings and the next two months, with RSVPs and attendance."""
        first = (self.now - timedelta(days=365)).replace(hour=15, minute=0, second=0,
                                                         microsecond=0)  # fmt: skip
        meetings = Meeting.objects.bulk_create(
            [
                Meeting(
                    community=community,
                    title=f"Weekly practice meeting {week + 1}",
                    starts_at=first + timedelta(weeks=week),
                    ends_at=first + timedelta(weeks=week, hours=1),
                    timezone="Europe/Berlin",
                    location="Room 4",
                    capacity=40,
                    notes="We talked about releases." if week < 52 else "",
                )
                for week in range(61)
            ]
        )
        members = list(
            Membership.objects.filter(community=community).values_list("user_id", flat=True)[:400]
        )
        host = members[0]
        Meeting.hosts.through.objects.bulk_create(
            [Meeting.hosts.through(meeting_id=m.pk, user_id=host) for m in meetings]
        )
        rsvps, attendance = [], []
        for meeting in meetings:
            people = self.rng.sample(members, min(45, len(members)))
            for n, user_id in enumerate(people):
                going = n < 40
                rsvps.append(
                    RSVP(
                        meeting=meeting,
                        user_id=user_id,
                        answer="going" if going else "maybe",
                        going_since=meeting.starts_at - timedelta(days=3) if going else None,
                    )
                )
                if meeting.starts_at < self.now and going and n < 32:
                    attendance.append(Attendance(meeting=meeting, user_id=user_id))
        RSVP.objects.bulk_create(rsvps, batch_size=5000)
        Attendance.objects.bulk_create(attendance, batch_size=5000)
        refresh_counts(m.pk for m in meetings)  # rows written past the services

    # --- participation, notifications, search --------------------------------------------

    def _participation(self) -> None:
        problem_type = ContentType.objects.get_for_model(Problem).pk
        for kind, source in (
            ("asked_problem", "SELECT p.id, p.author_id AS user_id, p.community_id, "
                              "p.created_at AS at, p.title FROM knowledge_problem p"),
            ("answered_problem", "SELECT p.id, r.author_id AS user_id, p.community_id, "
                                 "r.created_at AS at, p.title FROM knowledge_reply r "
                                 "JOIN knowledge_problem p ON p.id = r.problem_id "
                                 "WHERE r.author_id <> p.author_id"),
        ):  # fmt: skip
            self._sql(
                f"""
                INSERT INTO cop_participationevent (membership_id, kind, weight,
                    subject_type_id, subject_id, summary, occurred_at)
                SELECT DISTINCT ON (m.membership_id, x.id) m.membership_id, %(kind)s,
                    %(weight)s, %(type)s, x.id, left(x.title, 200), x.at
                FROM ({source}) x
                JOIN seed_members m ON m.user_id = x.user_id AND m.community_id = x.community_id
                WHERE x.at > now() - interval '365 days'
                ON CONFLICT DO NOTHING
                """,  # noqa: S608 -- the sources are the fixed strings above
                {"kind": kind, "weight": PARTICIPATION_WEIGHTS[kind], "type": problem_type},
            )

    def _notifications(self, community: Community) -> None:
        """300 notifications for each login, the newest 20 unread."""
        logins = User.objects.filter(email__in=["scale-member@example.org",
                                                "scale-coordinator@example.org"])  # fmt: skip
        rows = []
        for user in logins:
            for i in range(300):
                rows.append(
                    Notification(
                        recipient=user,
                        kind="reply",
                        community=community,
                        title=f"Someone replied to your problem {i}",
                        body="Pin the base image.",
                        url=f"/c/{community.slug}/knowledge/problems/",
                        created_at=self.now - timedelta(hours=300 - i),
                        read_at=None if i >= 280 else self.now,
                    )
                )
        Notification.objects.bulk_create(rows, batch_size=5000)

    def _search_documents(self) -> None:
        vector = (
            "setweight(to_tsvector('english', {t}), 'A') || "
            "setweight(to_tsvector('english', {b}), 'B')"
        )
        tags_of = (
            "COALESCE((SELECT ' ' || string_agg(t.slug, ' ') || ' ' FROM {through} x "
            "JOIN cop_tag t ON t.id = x.tag_id WHERE x.{column} = {id}), '')"
        )
        sources = [
            ("story", "s.id", "NULL", "s.community_id", "s.title",
             "concat_ws(E'\\n', s.situation, s.action, s.outcome, s.lesson)", "''",
             tags_of.format(through="knowledge_story_tags", column="story_id", id="s.id"),
             "s.updated_at", "knowledge_story s WHERE s.deleted_at IS NULL"),
            ("problem", "p.id", "NULL", "p.community_id", "p.title",
             "concat_ws(E'\\n', p.context, p.tried)", "p.status",
             tags_of.format(through="knowledge_problem_tags", column="problem_id", id="p.id"),
             "p.updated_at", "knowledge_problem p WHERE p.deleted_at IS NULL"),
            ("reply", "r.id", "p.id", "p.community_id", "p.title", "r.body",
             "CASE WHEN r.is_solution THEN 'solution' ELSE '' END",
             tags_of.format(through="knowledge_problem_tags", column="problem_id", id="p.id"),
             "r.updated_at", "knowledge_reply r JOIN knowledge_problem p "
             "ON p.id = r.problem_id WHERE r.deleted_at IS NULL AND p.deleted_at IS NULL"),
            ("entry", "e.id", "NULL", "e.community_id", "e.title", "e.body", "e.status",
             tags_of.format(through="knowledge_practiceentry_tags", column="practiceentry_id",
                            id="e.id"),
             "e.updated_at", "knowledge_practiceentry e WHERE e.deleted_at IS NULL"),
        ]  # fmt: skip
        for kind, pk, parent, community, title, body, status, tags, updated, source in sources:
            if kind == "reply":
                self._sql("ANALYZE knowledge_searchdocument")
                # A reply's title is its problem's and its body one seeded sentence: both
                # vectors were parsed once in `seed_vectors`.
                self._sql(
                    f"""
                    INSERT INTO knowledge_searchdocument (kind, object_id, parent_id,
                        community_id, title, body, status, tag_slugs, updated_at, vector,
                        title_vector)
                    SELECT 'reply', r.id, p.id, p.community_id, p.title, r.body, {status},
                        pt.tag_slugs, r.updated_at,
                        setweight(tv.vector, 'A') || setweight(bv.vector, 'B'), tv.vector
                    FROM knowledge_reply r
                    JOIN knowledge_problem p ON p.id = r.problem_id
                    JOIN knowledge_searchdocument pt ON pt.kind = 'problem'
                        AND pt.object_id = p.id
                    JOIN seed_vectors tv ON tv.text = p.title
                    JOIN seed_vectors bv ON bv.text = r.body
                    WHERE r.deleted_at IS NULL AND p.deleted_at IS NULL
                    """  # noqa: S608 -- a fixed SQL fragment, no user input
                )
                continue
            self._sql(
                f"""
                INSERT INTO knowledge_searchdocument (kind, object_id, parent_id, community_id,
                    title, body, status, tag_slugs, updated_at, vector, title_vector)
                SELECT %(kind)s, {pk}, {parent}, {community}, {title}, {body}, {status},
                    {tags}, {updated}, {vector.format(t=title, b=body)},
                    to_tsvector('english', {title})
                FROM {source}
                """,  # noqa: S608 -- fixed SQL fragments above, no user input
                {"kind": kind},
            )

    def _topic_counts(self) -> None:
        self._sql(
            """UPDATE cop_tag t SET use_count = c.n FROM (
                   SELECT tag_id, count(*) AS n FROM (
                       SELECT x.tag_id FROM knowledge_story_tags x
                       JOIN knowledge_story s ON s.id = x.story_id WHERE s.deleted_at IS NULL
                       UNION ALL
                       SELECT x.tag_id FROM knowledge_problem_tags x
                       JOIN knowledge_problem p ON p.id = x.problem_id
                       WHERE p.deleted_at IS NULL
                       UNION ALL
                       SELECT x.tag_id FROM knowledge_practiceentry_tags x
                       JOIN knowledge_practiceentry e ON e.id = x.practiceentry_id
                       WHERE e.deleted_at IS NULL) u
                   GROUP BY tag_id) c
               WHERE c.tag_id = t.id"""
        )
