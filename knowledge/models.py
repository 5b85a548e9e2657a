"""The shared repertoire: stories, problems and their replies, practice entries with
their revisions and validations, and the community's glossary.

Stories, problems, replies and entries are never deleted: a soft delete sets
`deleted_at` and `deleted_by`, and the row (with its history) stays.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cop.models import Community, Tag

from .enums import EntryKind, EntryStatus, NoteKind, ProblemStatus, SearchKind, TermStatus

# What lists show: rows not soft-deleted. Their indexes are partial on this condition.
LIVE = models.Q(deleted_at__isnull=True)

MARKDOWN_HELP = _("Markdown: **bold**, *italic*, lists, `code` and [links](https://…).")


class SoftDeletable(models.Model):
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Hidden by moderation (a coordinator, or members' flags reaching the community's
    # threshold): shown only to its author and the coordinators, left out of lists and
    # search. Set and cleared by `care.services.moderation` only.
    hidden_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class CommunityPage:
    """A row with its own page in its community: the URL named `detail_view`, keyed by
    the community's slug and the row's pk."""

    detail_view: str

    def get_absolute_url(self) -> str:
        return reverse(self.detail_view, kwargs={"slug": self.community.slug, "pk": self.pk})


class CommunityItem(CommunityPage, SoftDeletable):
    """A story, problem or practice: titled, soft-deletable, with its own page."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title


class Story(CommunityItem):
    """Storytelling: what happened, what we did, how it went, what we learned."""

    detail_view = "knowledge:story_detail"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="stories")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="stories"
    )
    title = models.CharField(_("title"), max_length=200)
    situation = models.TextField(
        _("situation"), max_length=20000, help_text=_("Where were you, what was at stake?")
    )
    action = models.TextField(_("action"), max_length=20000, help_text=_("What did you do?"))
    outcome = models.TextField(_("outcome"), max_length=20000, help_text=_("What happened?"))
    lesson = models.TextField(
        _("lesson"), max_length=20000, blank=True, help_text=_("What would you tell a peer?")
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="stories", verbose_name=_("tags"))
    problem = models.ForeignKey(
        "Problem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stories",
        verbose_name=_("related problem"),
    )
    entry = models.ForeignKey(
        "PracticeEntry",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stories",
        verbose_name=_("related practice"),
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stories",
        verbose_name=_("meeting it came from"),
    )
    # Comments shown to everyone (live, not hidden), kept by cop.services.comments.
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    thanks_count = models.PositiveIntegerField(default=0, editable=False)  # cop.services.thanks
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        ordering = ["-created_at"]
        # Lists read live items newest first and page by (created_at, id): partial
        # indexes on exactly that, so no page scans or sorts what it does not show.
        indexes = [
            models.Index(
                fields=["community", "created_at", "id"],
                condition=LIVE,
                name="story_live_recent",
            ),
            models.Index(fields=["created_at", "id"], condition=LIVE, name="story_live_all"),
        ]


class Problem(CommunityItem):
    """Problem-solving: a member brings something they are stuck on."""

    detail_view = "knowledge:problem_detail"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="problems")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="problems"
    )
    title = models.CharField(_("title"), max_length=200)
    context = models.TextField(
        _("context"), max_length=20000, help_text=_("What are you trying to do, and where?")
    )
    tried = models.TextField(
        _("what you tried"), max_length=20000, blank=True, help_text=_("So nobody repeats it.")
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="problems", verbose_name=_("tags"))
    status = models.CharField(
        _("status"), max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    solved_at = models.DateTimeField(null=True, blank=True)
    # Live replies, kept by the services in the transaction that adds, deletes or
    # restores one, so that no list counts replies per request.
    reply_count = models.PositiveIntegerField(default=0, editable=False)
    # Set when a coordinator merged this problem into another (it is then soft-deleted
    # and its address redirects there).
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["community", "created_at", "id"],
                condition=LIVE,
                name="problem_live_recent",
            ),
            models.Index(
                fields=["community", "status", "created_at", "id"],
                condition=LIVE,
                name="problem_live_status",
            ),
            models.Index(
                fields=["community", "created_at", "id"],
                condition=LIVE & models.Q(status=ProblemStatus.OPEN, reply_count=0),
                name="problem_live_unanswered",
            ),
            models.Index(fields=["created_at", "id"], condition=LIVE, name="problem_live_all"),
        ]

    @property
    def is_solved(self) -> bool:
        return self.status == ProblemStatus.SOLVED


class Reply(SoftDeletable):
    """An answer to a problem; the asker or a coordinator may accept it as a solution."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("reply"), max_length=20000, help_text=MARKDOWN_HELP)
    is_solution = models.BooleanField(default=False)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    thanks_count = models.PositiveIntegerField(default=0, editable=False)  # cop.services.thanks

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["problem", "created_at"]),
            models.Index(fields=["created_at", "id"], condition=LIVE, name="reply_live_all"),
        ]

    def __str__(self) -> str:
        return f"Reply {self.pk} to {self.problem_id}"

    def get_absolute_url(self) -> str:
        return f"{self.problem.get_absolute_url()}#reply-{self.pk}"

    @property
    def community(self) -> Community:
        return self.problem.community


class PracticeEntry(CommunityItem):
    """Documented knowledge with the KCS life cycle. The author's name stays on it for
    good; the owner (who keeps it up to date) may change."""

    detail_view = "knowledge:entry_detail"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="entries")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), max_length=50000, help_text=MARKDOWN_HELP)
    kind = models.CharField(
        _("kind"), max_length=12, choices=EntryKind.choices, default=EntryKind.HOW_TO
    )
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="practice_entries", verbose_name=_("tags")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_entries",
    )
    review_date = models.DateField(
        _("review by"), null=True, blank=True, help_text=_("When should someone check it?")
    )
    status = models.CharField(
        _("status"), max_length=14, choices=EntryStatus.choices, default=EntryStatus.DRAFT
    )
    source_problem = models.OneToOneField(
        Problem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="promoted_entry",
    )
    validated_at = models.DateTimeField(null=True, blank=True)
    # “This worked for me” endorsements, kept by the validation services.
    endorsement_count = models.PositiveIntegerField(default=0, editable=False)
    # The review date the owner was last reminded of: one reminder per review date.
    review_reminded_for = models.DateField(null=True, blank=True)
    # Comments shown to everyone (live, not hidden), kept by cop.services.comments.
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    thanks_count = models.PositiveIntegerField(default=0, editable=False)  # cop.services.thanks
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        ordering = ["-updated_at"]
        indexes = [
            models.Index(
                fields=["community", "updated_at", "id"],
                condition=LIVE,
                name="entry_live_recent",
            ),
            models.Index(
                fields=["community", "status", "updated_at", "id"],
                condition=LIVE,
                name="entry_live_status",
            ),
            models.Index(fields=["updated_at", "id"], condition=LIVE, name="entry_live_all"),
        ]


class Revision(models.Model):
    """One state of an entry. Every edit (and every revert) adds one."""

    entry = models.ForeignKey(PracticeEntry, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(_("what changed"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="revision_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} r{self.number}"


class Endorsement(models.Model):
    """“This worked for me” on an entry or on an accepted solution."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="endorsements"
    )
    entry = models.ForeignKey(
        PracticeEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="endorsements"
    )
    reply = models.ForeignKey(
        Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="endorsements"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(entry__isnull=False, reply__isnull=True))
                | (models.Q(entry__isnull=True, reply__isnull=False)),
                name="endorsement_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "entry"],
                condition=models.Q(entry__isnull=False),
                name="endorsement_once_per_entry",
            ),
            models.UniqueConstraint(
                fields=["user", "reply"],
                condition=models.Q(reply__isnull=False),
                name="endorsement_once_per_reply",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} endorses {self.entry_id or self.reply_id}"


class ExpertValidation(models.Model):
    """A coordinator or an expert in one of the entry's tags vouches for it."""

    entry = models.ForeignKey(
        PracticeEntry, on_delete=models.CASCADE, related_name="expert_validations"
    )
    validator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "validator"], name="expert_validation_once")
        ]

    def __str__(self) -> str:
        return f"{self.validator_id} validates {self.entry_id}"


class Note(models.Model):
    """A dissenting or alternative view, shown beside the entry it disagrees with."""

    entry = models.ForeignKey(PracticeEntry, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=NoteKind.choices, default=NoteKind.ALTERNATIVE
    )
    body = models.TextField(_("note"), max_length=10000, help_text=MARKDOWN_HELP)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Note {self.pk} on {self.entry_id}"


class GlossaryTerm(models.Model):
    """A term of the community's shared language, proposed by members and accepted by
    coordinators. Accepted terms are linked from entries that use them."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="glossary")
    term = models.CharField(_("term"), max_length=80)
    slug = models.SlugField(max_length=90)
    definition = models.TextField(_("definition"), max_length=5000, help_text=MARKDOWN_HELP)
    synonyms = models.CharField(
        _("synonyms"), max_length=300, blank=True, help_text=_("Comma-separated.")
    )
    examples = models.TextField(_("examples"), max_length=5000, blank=True, help_text=MARKDOWN_HELP)
    status = models.CharField(
        _("status"), max_length=10, choices=TermStatus.choices, default=TermStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["term"]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="glossary_term_unique")
        ]

    def __str__(self) -> str:
        return self.term

    def get_absolute_url(self) -> str:
        return (
            reverse("knowledge:glossary", kwargs={"slug": self.community.slug}) + f"#{self.anchor}"
        )

    @property
    def synonym_list(self) -> list[str]:
        return [s.strip() for s in self.synonyms.split(",") if s.strip()]

    @property
    def anchor(self) -> str:
        return f"term-{self.pk}"


class SearchDocument(models.Model):
    """One searchable thing, kept in step by the services. On PostgreSQL `vector` holds a
    weighted tsvector (title A, body B) behind a GIN index; on SQLite an FTS5 table
    mirrors title and body through triggers. See knowledge/search.py."""

    kind = models.CharField(max_length=10, choices=SearchKind.choices)
    object_id = models.PositiveBigIntegerField()
    parent_id = models.PositiveBigIntegerField(null=True, blank=True)  # a reply's problem
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=14, blank=True)
    tag_slugs = models.CharField(max_length=1000, blank=True)  # " a b c " for a cheap filter
    updated_at = models.DateTimeField(default=timezone.now)
    vector = SearchVectorField(null=True, blank=True)
    # The title alone, so that title matches can be found among a million documents
    # without reading every body match (GIN index, PostgreSQL only).
    title_vector = SearchVectorField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique")
        ]
        indexes = [
            models.Index(fields=["community", "kind"]),
            models.Index(fields=["updated_at", "id"], name="searchdoc_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"

    def get_absolute_url(self) -> str:
        slug = self.community.slug
        if self.kind == SearchKind.STORY:
            return reverse("knowledge:story_detail", kwargs={"slug": slug, "pk": self.object_id})
        if self.kind == SearchKind.PROBLEM:
            return reverse("knowledge:problem_detail", kwargs={"slug": slug, "pk": self.object_id})
        if self.kind == SearchKind.REPLY:
            url = reverse("knowledge:problem_detail", kwargs={"slug": slug, "pk": self.parent_id})
            return f"{url}#reply-{self.object_id}"
        if self.kind == SearchKind.ENTRY:
            return reverse("knowledge:entry_detail", kwargs={"slug": slug, "pk": self.object_id})
        if self.kind == SearchKind.NOTES:
            url = reverse("meetings:detail", kwargs={"slug": slug, "meeting_id": self.object_id})
            return f"{url}#notes"
        return reverse("knowledge:glossary", kwargs={"slug": slug}) + f"#term-{self.object_id}"


class SharedPractice(CommunityPage, models.Model):
    """A practice shown, read-only, in a related community: one source of truth. The
    target community reads the source entry itself (title, body, status, validation),
    so an edit at the source shows on both sides. Live while `unshared_at` is empty;
    shown only while the two communities are related and the entry is visible to the
    viewer at its source (`knowledge.sharing.shared_into`)."""

    detail_view = "knowledge:shared_practice"

    entry = models.ForeignKey(PracticeEntry, on_delete=models.CASCADE, related_name="shares")
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="shared_practices"
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    shared_at = models.DateTimeField(default=timezone.now)
    unshared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "community"],
                condition=models.Q(unshared_at__isnull=True),
                name="share_once_per_community",
            ),
        ]
        indexes = [
            models.Index(
                fields=["community", "shared_at", "id"],
                condition=models.Q(unshared_at__isnull=True),
                name="share_live_recent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} → {self.community_id}"


class LearningPath(models.Model):
    """A member's learning path in a community: the topics they picked (or those of their
    first problem). The reading list itself is computed (`knowledge.learning`)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learning_paths"
    )
    topics = models.ManyToManyField(Tag, blank=True, related_name="+", verbose_name=_("topics"))
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="learning_path_once")
        ]

    def __str__(self) -> str:
        return f"Path of {self.user_id} in {self.community_id}"


class PathRead(models.Model):
    """An item of a learning path the member opened: the path ticks itself with these."""

    path = models.ForeignKey(LearningPath, on_delete=models.CASCADE, related_name="reads")
    kind = models.CharField(max_length=10)  # practice | story | problem
    object_id = models.PositiveBigIntegerField()
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["path", "kind", "object_id"], name="path_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} read on path {self.path_id}"


class TitleMeaning(models.Model):
    """A problem's or practice's title as a vector of the meaning model
    (knowledge/meaning.py: 384 float16 values), for "similar before you post". Written
    after commit by `knowledge.embed_titles` (and its sweeper) for search documents that
    have none or one of an older `title`; `community` is the document's, so the
    in-process matrices (knowledge/similarity.py) are built per community without a
    join."""

    document = models.OneToOneField(
        SearchDocument, on_delete=models.CASCADE, related_name="meaning"
    )
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)  # the title the vector was computed from
    vector = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["title"], name="titlemeaning_title")]

    def __str__(self) -> str:
        return f"meaning of {self.document_id}"
