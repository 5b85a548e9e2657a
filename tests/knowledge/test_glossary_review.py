"""Coordinators hear of proposed glossary terms, find them in a queue, and accept or
decline them; the member who proposed is told either way."""

import pytest
from django.urls import reverse

from cop.enums import NotificationKind, Role
from cop.models import Notification
from knowledge.enums import TermStatus
from knowledge.models import GlossaryTerm
from knowledge.search import search
from knowledge.services import glossary
from tests.factories import CommunityFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    community = CommunityFactory()
    return {
        "community": community,
        "coordinator": make_member(community, role=Role.COORDINATOR),
        "member": make_member(community, display_name="Pia"),
    }


def _propose(world, term="Toil"):
    return glossary.propose_term(
        community=world["community"], by=world["member"], term=term, definition="Manual work"
    )


def _told(user):
    return list(
        Notification.objects.filter(recipient=user, kind=NotificationKind.GLOSSARY).order_by("pk")
    )


def test_coordinators_are_told_and_see_a_queue(client, world):
    term = _propose(world)
    [note] = _told(world["coordinator"])
    assert note.title == "Pia proposes “Toil” for the glossary"
    assert note.url.endswith("/glossary/#proposed")
    client.force_login(world["coordinator"])
    html = client.get(note.url).content.decode()
    assert 'id="proposed"' in html and "1 proposed term waits for your review" in html
    assert reverse("knowledge:term_decline", args=[world["community"].slug, term.pk]) in html


def test_decline_with_a_reason_tells_the_proposer_and_hides_the_term(client, world):
    term = _propose(world)
    client.force_login(world["coordinator"])
    client.post(
        reverse("knowledge:term_decline", args=[world["community"].slug, term.pk]),
        {"reason": "We say 'chores' here."},
    )
    term.refresh_from_db()
    assert term.status == TermStatus.DECLINED
    [note] = _told(world["member"])
    assert note.title == "“Toil” was not added to the glossary"
    assert note.body == "We say 'chores' here."
    client.get(reverse("knowledge:glossary", args=[world["community"].slug]))  # the message
    html = client.get(reverse("knowledge:glossary", args=[world["community"].slug]))
    assert "Toil" not in html.content.decode()
    assert search(world["coordinator"], "toil") == []
    # Proposed again, better put: the same row is back in the queue.
    again = _propose(world)
    assert again.pk == term.pk and again.status == TermStatus.PROPOSED
    assert GlossaryTerm.objects.count() == 1


def test_accepting_tells_the_proposer(world):
    term = _propose(world)
    glossary.accept_term(term=term, by=world["coordinator"])
    [note] = _told(world["member"])
    assert note.title == "“Toil” is now in the glossary"


def test_members_cannot_decline(client, world):
    term = _propose(world)
    client.force_login(make_member(world["community"]))
    client.post(reverse("knowledge:term_decline", args=[world["community"].slug, term.pk]))
    term.refresh_from_db()
    assert term.status == TermStatus.PROPOSED
