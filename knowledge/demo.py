"""Demo data for the knowledge app: stories, open and solved problems, practices in each
state of the life cycle and glossary terms. Idempotent: every item is looked up by its
community and title before it is made; a missing community or user is skipped."""

from django.utils.text import slugify

from knowledge.enums import EntryStatus
from knowledge.models import GlossaryTerm, PracticeEntry, Problem, Story
from knowledge.services import entries, glossary, problems, stories, validation

SRE = "sre-guild"
BEDSIDE = "bedside-teaching"
SECURITY = "security-champions"

STORIES = [
    (
        SRE,
        "ben",
        "The Friday deploy that filled the disk",
        ["on-call", "incident response"],
        {
            "situation": "A routine Friday deploy turned on debug logging in one service. By "
            "03:00 the log volume on the primary database host was full.",
            "action": "The on-call engineer paged me, we **rotated the logs by hand**, then "
            "rolled back the config flag instead of the whole release.",
            "outcome": "Writes were back after 14 minutes. No data was lost.",
            "lesson": "Alert on *how fast* a disk fills, not only on how full it is. And keep "
            "config flags separately revertible.",
        },
    ),
    (
        SRE,
        "ivan",
        "A checklist saved our failover",
        ["incident response"],
        {
            "situation": "The network core in our second site lost power during a storm.",
            "action": "We followed the failover checklist line by line, reading each step aloud "
            "on the bridge call.",
            "outcome": "Traffic moved in 6 minutes, half our usual time.",
            "lesson": "Reading the checklist aloud sounded silly and removed every doubt.",
        },
    ),
    (
        BEDSIDE,
        "hana",
        "Teaching while the monitor alarms",
        ["case teaching"],
        {
            "situation": "A student froze when a patient's monitor alarmed mid-explanation.",
            "action": "I paused the teaching, handled the alarm, then narrated afterwards why.",
            "outcome": "The student asked to practise the same scenario in simulation.",
            "lesson": "The patient comes first; the debrief afterwards is the lesson.",
        },
    ),
]

# community, asker, title, tags, context, tried, replies [(author, body, accepted)]
PROBLEMS = [
    (
        SRE,
        "ben",
        "Replica lag spikes during vacuum",
        ["PostgreSQL"],
        "Our read replicas lag by minutes every night when autovacuum runs on the big tables.",
        "Raising `max_wal_size`; it helped a little.",
        [
            (
                "chen",
                "Throttle autovacuum on those tables: set `autovacuum_vacuum_cost_delay` "
                "per table instead of globally.",
                True,
            ),
            ("ivan", "Check the replica's network link too: we were saturating 1 Gbit.", True),
            ("eli", "Could you move the job to the weekend?", False),
        ],
    ),
    (
        SRE,
        "eli",
        "Alert fatigue on the night shift",
        ["on-call", "observability"],
        "I get paged 5-6 times a night for alerts that resolve themselves. How do you decide "
        "what pages and what waits until morning?",
        "Muting the noisiest ones, which feels wrong.",
        [("ben", "Start from your SLOs: page only on symptoms users feel.", False)],
    ),
    (
        SRE,
        "hana",
        "How do you size a connection pool?",
        ["PostgreSQL", "capacity planning"],
        "We run 40 app instances and keep hitting `max_connections`.",
        "",
        [],
    ),
    (
        BEDSIDE,
        "hana",
        "Feedback that students actually hear",
        ["feedback"],
        "Students nod at feedback and repeat the same mistake next shift.",
        "",
        [],
    ),
    (
        SECURITY,
        "ada",
        "Threat model for the new upload service",
        ["threat modelling"],
        "Private: the upload service accepts SVG files. What should we check first?",
        "",
        [("fatima", "Treat SVG as active content: sanitize or serve from another origin.", True)],
    ),
]

# community, author, title, tags, status, body
ENTRIES = [
    (
        SRE,
        "ada",
        "Blameless post-incident review",
        ["incident response"],
        EntryStatus.VALIDATED,
        "## Before\n\nCollect the timeline from chat and alerts.\n\n## During\n\n- Ask *how*, not "
        "*who*\n- Write down what made sense at the time\n\n## After\n\nPick at most three "
        "actions, each with an owner. Track toil you found.",
    ),
    (
        SRE,
        "ivan",
        "Runbook: rotate TLS certificates",
        ["on-call"],
        EntryStatus.NOT_VALIDATED,
        "1. Check expiry: `openssl x509 -enddate -noout -in cert.pem`\n2. Issue the new "
        "certificate\n3. Reload, do not restart, the proxy\n4. Verify from outside",
    ),
    (
        SRE,
        "hana",
        "Writing a useful incident timeline",
        ["incident response"],
        EntryStatus.DRAFT,
        "Work in progress. Times in UTC, one line per observation, link the graph.",
    ),
    (
        SRE,
        "ben",
        "Paging through the SMS gateway",
        ["on-call"],
        EntryStatus.ARCHIVED,
        "We no longer use the SMS gateway; kept for the history of why we left it.",
    ),
]

# community, proposer, term, definition, synonyms, examples, accept
TERMS = [
    (
        SRE,
        "ada",
        "SLO",
        "Service level objective: the reliability target users should feel, "
        "for example 99.9% of requests under 300 ms.",
        "service level objective",
        "",
        True,
    ),
    (
        SRE,
        "chen",
        "Toil",
        "Manual, repetitive operational work that scales with the service "
        "and has no lasting value.",
        "",
        "Restarting a stuck job by hand every night.",
        True,
    ),
    (
        SRE,
        "eli",
        "Error budget",
        "How much unreliability the SLO allows before we slow down releases.",
        "",
        "",
        False,
    ),
    (
        BEDSIDE,
        "dara",
        "Preceptor",
        "An experienced nurse who guides a student or new nurse "
        "through their first weeks on the ward.",
        "mentor nurse",
        "",
        True,
    ),
]


def _tags(community, names):
    wanted = {slugify(n) for n in names}
    return [tag for tag in community.tags.all() if tag.slug in wanted]


def _member(users, key):
    return users.get(key)


def seed_knowledge(*, users: dict, communities: dict) -> list[str]:
    """Create the knowledge demo content in the given communities; return report lines."""
    made = {"stories": 0, "problems": 0, "practices": 0, "terms": 0}
    for slug, author, title, tags, parts in STORIES:
        community, user = communities.get(slug), _member(users, author)
        if community is None or user is None:
            continue
        if Story.objects.filter(community=community, title=title).exists():
            continue
        stories.tell_story(
            community=community, author=user, title=title, tags=_tags(community, tags), **parts
        )
        made["stories"] += 1

    for slug, asker, title, tags, context, tried, replies in PROBLEMS:
        community, user = communities.get(slug), _member(users, asker)
        if community is None or user is None:
            continue
        if Problem.objects.filter(community=community, title=title).exists():
            continue
        problem = problems.ask_problem(
            community=community,
            author=user,
            title=title,
            context=context,
            tried=tried,
            tags=_tags(community, tags),
        )
        for replier, body, accepted in replies:
            if _member(users, replier) is None:
                continue
            reply = problems.post_reply(problem=problem, author=users[replier], body=body)
            if accepted:
                problems.accept_solution(reply=reply, by=user)
        made["problems"] += 1

    for slug, author, title, tags, status, body in ENTRIES:
        community, user = communities.get(slug), _member(users, author)
        if community is None or user is None:
            continue
        if PracticeEntry.objects.filter(community=community, title=title).exists():
            continue
        entry = entries.write_entry(
            community=community,
            author=user,
            title=title,
            body=body,
            tags=_tags(community, tags),
            publish=status != EntryStatus.DRAFT,
        )
        if status == EntryStatus.VALIDATED:
            coordinator = community.memberships.filter(role="coordinator", status="active")
            coordinator = coordinator.exclude(user=user).select_related("user").first()
            if coordinator is not None:
                validation.validate_as_expert(
                    entry=entry, by=coordinator.user, comment="This is how we run reviews."
                )
        elif status == EntryStatus.ARCHIVED:
            entries.change_status(entry=entry, to=EntryStatus.ARCHIVED, by=user)
        elif status == EntryStatus.NOT_VALIDATED and _member(users, "ben"):
            validation.endorse_entry(entry=entry, user=users["ben"])
        made["practices"] += 1

    for slug, proposer, term, definition, synonyms, examples, accept in TERMS:
        community, user = communities.get(slug), _member(users, proposer)
        if community is None or user is None:
            continue
        if GlossaryTerm.objects.filter(community=community, slug=slugify(term)).exists():
            continue
        created = glossary.propose_term(
            community=community,
            by=user,
            term=term,
            definition=definition,
            synonyms=synonyms,
            examples=examples,
        )
        if accept and created.status != "accepted":
            coordinator = community.memberships.filter(role="coordinator", status="active")
            coordinator = coordinator.select_related("user").first()
            if coordinator is not None:
                glossary.accept_term(term=created, by=coordinator.user)
        made["terms"] += 1

    # Promote the solved vacuum problem into a practice, once.
    community = communities.get(SRE)
    if community is not None and "ben" in users:
        problem = Problem.objects.filter(
            community=community, title="Replica lag spikes during vacuum", status="solved"
        ).first()
        if problem is not None and not PracticeEntry.objects.filter(source_problem=problem):
            entries.promote_problem(problem=problem, by=users["ben"])
            made["practices"] += 1

    return [
        "Knowledge: {stories} stories, {problems} problems, {practices} practices, "
        "{terms} glossary terms added.".format(**made)
    ]
