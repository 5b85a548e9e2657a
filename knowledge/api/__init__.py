"""REST API of the knowledge app: stories, problems with replies and solutions,
practices with validation and revisions, the glossary, and search.

Over the knowledge services, selectors and `rules` predicates: a private community's
items are 404 to non-members, lists hold only what the caller may see, deleted items
appear nowhere. A refused action is 403 with the rule's reason, checked before the
service is called (the services re-check the same predicates).

By sub-domain: common, problems (with replies, deleted items and the export),
stories, practices, glossary, search. The names are re-exported here, so
`from knowledge import api` and `knowledge.api.<name>` keep working.
"""

from cop.api.support import NewestFirst

from .common import (
    SLUG,
    Alphabetical,
    AuthorSerializer,
    CommunityItemSerializer,
    EditMixin,
    EntryKindField,
    PracticeSerializer,
    PromoteSerializer,
    RecentlyUpdated,
    RestoreMixin,
    SoftDeleteMixin,
    TagNamesField,
)
from .common import (
    _absolute as _absolute,
)
from .common import (
    _community_for as _community_for,
)

# The private helpers too: modules beside this package imported them from the old module.
from .common import (
    _inline_enum as _inline_enum,
)
from .common import (
    _restore as _restore,
)
from .common import (
    _tags as _tags,
)
from .glossary import (
    DeclineTermSerializer,
    GlossaryFilter,
    GlossaryTermSerializer,
    GlossaryViewSet,
)
from .practices import (
    NoteSerializer,
    PracticeFilter,
    PracticeViewSet,
    RevertSerializer,
    RevisionSerializer,
    StatusChangeSerializer,
    ValidateSerializer,
)
from .problems import (
    AcceptSerializer,
    DeletedItemSerializer,
    DeletedSerializer,
    ProblemFilter,
    ProblemSerializer,
    ProblemViewSet,
    ReplySerializer,
    ReplyViewSet,
    SimilarItemSerializer,
    SimilarResultSerializer,
    deleted,
    export,
)
from .search import (
    SearchHitSerializer,
    SearchResultSerializer,
    search,
)
from .signals import (
    SignalSerializer,
    SignalsSerializer,
    signals,
)
from .stories import (
    StoryFilter,
    StorySerializer,
    StoryViewSet,
)

__all__ = [
    "SLUG",
    "AcceptSerializer",
    "Alphabetical",
    "AuthorSerializer",
    "CommunityItemSerializer",
    "DeclineTermSerializer",
    "DeletedItemSerializer",
    "DeletedSerializer",
    "EditMixin",
    "EntryKindField",
    "GlossaryFilter",
    "GlossaryTermSerializer",
    "GlossaryViewSet",
    "NewestFirst",
    "NoteSerializer",
    "PracticeFilter",
    "PracticeSerializer",
    "PracticeViewSet",
    "ProblemFilter",
    "ProblemSerializer",
    "ProblemViewSet",
    "PromoteSerializer",
    "RecentlyUpdated",
    "ReplySerializer",
    "ReplyViewSet",
    "RestoreMixin",
    "RevertSerializer",
    "RevisionSerializer",
    "SearchHitSerializer",
    "SearchResultSerializer",
    "SignalSerializer",
    "SignalsSerializer",
    "SimilarItemSerializer",
    "SimilarResultSerializer",
    "SoftDeleteMixin",
    "StatusChangeSerializer",
    "StoryFilter",
    "StorySerializer",
    "StoryViewSet",
    "TagNamesField",
    "ValidateSerializer",
    "deleted",
    "export",
    "search",
    "signals",
]
