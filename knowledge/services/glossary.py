"""The glossary: members propose terms, coordinators are told and accept or decline them."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cop.enums import NotificationKind
from cop.models import Community, User
from cop.rules import is_active_member, is_coordinator
from cop.services.communities import _coordinators as coordinators_of
from cop.services.notifications import notify
from knowledge.enums import TermStatus
from knowledge.models import GlossaryTerm
from knowledge.search import index_object, unindex_object

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
    existing = GlossaryTerm.objects.filter(community=community, slug=slug).first()
    if existing is not None and existing.status != TermStatus.DECLINED:
        raise ValidationError(
            {"term": _("“%(term)s” is already in the glossary.") % {"term": term}}
        )
    synonyms = ", ".join(s.strip() for s in synonyms.split(",") if s.strip())[:300]
    fields = {
        "term": term,
        "definition": definition,
        "synonyms": synonyms,
        "examples": examples,
        "proposed_by": by,
        "status": TermStatus.PROPOSED,
        "accepted_by": None,
        "accepted_at": None,
        "created_at": timezone.now(),
    }
    if existing is not None:  # a declined term proposed again, maybe better put
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        glossary_term = existing
    else:
        glossary_term = GlossaryTerm.objects.create(community=community, slug=slug, **fields)
    if is_coordinator(by, community):
        return accept_term(term=glossary_term, by=by)
    index_object(glossary_term)
    for coordinator in coordinators_of(community):
        notify(
            recipient=coordinator,
            kind=NotificationKind.GLOSSARY,
            title=_("%(name)s proposes “%(term)s” for the glossary")
            % {"name": by.name, "term": glossary_term.term},
            url=_queue_url(community),
            body=definition,
            community=community,
            actor=by,
        )
    return glossary_term


def _queue_url(community: Community) -> str:
    return reverse("knowledge:glossary", kwargs={"slug": community.slug}) + "#proposed"


@transaction.atomic
def decline_term(*, term: GlossaryTerm, by: User, reason: str = "") -> GlossaryTerm:
    """Decline a proposed term (coordinators), with an optional reason for the member who
    proposed it. It leaves the glossary and search; proposing it again reopens it."""
    if not is_coordinator(by, term.community):
        raise ValidationError(_("Only a coordinator can decline a term."))
    if term.status != TermStatus.PROPOSED:
        raise ValidationError(_("Only a proposed term can be declined."))
    term.status = TermStatus.DECLINED
    term.save(update_fields=["status"])
    unindex_object(term)
    if term.proposed_by is not None and term.proposed_by_id != by.pk:
        notify(
            recipient=term.proposed_by,
            kind=NotificationKind.GLOSSARY,
            title=_("“%(term)s” was not added to the glossary") % {"term": term.term},
            url=reverse("knowledge:glossary", kwargs={"slug": term.community.slug}),
            body=reason[:1000],
            community=term.community,
            actor=by,
        )
    return term


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
        if term.proposed_by is not None and term.proposed_by_id != by.pk:
            notify(
                recipient=term.proposed_by,
                kind=NotificationKind.GLOSSARY,
                title=_("“%(term)s” is now in the glossary") % {"term": term.term},
                url=term.get_absolute_url(),
                community=term.community,
                actor=by,
            )
    index_object(term)
    return term
