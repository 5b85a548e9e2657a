"""The glossary: members propose terms, coordinators accept them."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cop.models import Community, User
from cop.rules import is_active_member, is_coordinator
from knowledge.enums import TermStatus
from knowledge.models import GlossaryTerm
from knowledge.search import index_object

from .common import require_text


@transaction.atomic
def propose_term(
    *,
    community: Community,
    by: User,
    term: str,
    definition: str,
    synonyms: str = "",
    examples: str = "",
) -> GlossaryTerm:
    """Propose a term (active members); a coordinator's proposal is accepted at once.
    Side effect: search index."""
    if not is_active_member(by, community):
        raise ValidationError(_("Only members of this community can propose terms."))
    require_text(term=term, definition=definition)
    term = " ".join(term.split())[:80]
    slug = slugify(term)[:90]
    if not slug:
        raise ValidationError({"term": _("A term needs at least one letter or digit.")})
    if GlossaryTerm.objects.filter(community=community, slug=slug).exists():
        raise ValidationError(
            {"term": _("“%(term)s” is already in the glossary.") % {"term": term}}
        )
    synonyms = ", ".join(s.strip() for s in synonyms.split(",") if s.strip())[:300]
    glossary_term = GlossaryTerm.objects.create(
        community=community,
        term=term,
        slug=slug,
        definition=definition,
        synonyms=synonyms,
        examples=examples,
        proposed_by=by,
    )
    if is_coordinator(by, community):
        return accept_term(term=glossary_term, by=by)
    index_object(glossary_term)
    return glossary_term


@transaction.atomic
def accept_term(*, term: GlossaryTerm, by: User) -> GlossaryTerm:
    """Accept a proposed term (coordinators). Accepted terms are linked from entries."""
    if not is_coordinator(by, term.community):
        raise ValidationError(_("Only a coordinator can accept a term."))
    if term.status != TermStatus.ACCEPTED:
        term.status = TermStatus.ACCEPTED
        term.accepted_by = by
        term.accepted_at = timezone.now()
        term.save(update_fields=["status", "accepted_by", "accepted_at"])
    index_object(term)
    return term
