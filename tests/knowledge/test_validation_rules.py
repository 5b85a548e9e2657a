"""Validation can be neither gamed nor outlived: expert validation needs recognised or
earned expertise, a substantial rewrite sends a validated practice back to validation,
and points for endorsements and accepted solutions go when those are taken back."""

import pytest
from django.urls import reverse

from cop.enums import ParticipationKind, Role
from cop.models import Membership, ParticipationEvent
from knowledge.enums import EntryStatus, NoteKind
from knowledge.models import Note
from knowledge.services import entries, problems, validation
from tests.factories import CommunityFactory, TagFactory, make_member

pytestmark = pytest.mark.django_db

BODY = "\n".join(f"{n}. Step number {n} of the way we roll back a release." for n in range(1, 9))


@pytest.fixture
def community():
    return CommunityFactory(validation_threshold=2)


def _points(user, community):
    membership = Membership.objects.get(user=user, community=community)
    membership.refresh_from_db()
    return membership.score


def _validated(community):
    author = make_member(community, display_name="Writer")
    entry = entries.write_entry(
        community=community, author=author, title="Roll back", body=BODY, publish=True
    )
    for name in ("Ann", "Bo"):
        validation.endorse_entry(entry=entry, user=make_member(community, display_name=name))
    entry.refresh_from_db()
    assert entry.status == EntryStatus.VALIDATED
    return entry, author


def test_coordinators_recognise_expertise_on_the_member_page(client, community):
    tag = TagFactory(community=community, name="Rollbacks")
    coordinator = make_member(community, role=Role.COORDINATOR)
    member = make_member(community)
    membership = Membership.objects.get(user=member, community=community)
    client.force_login(coordinator)
    page = reverse("member_profile", args=[community.slug, member.pk])
    assert "Save recognised expertise" in client.get(page).content.decode()
    client.post(
        reverse("member_action", args=[community.slug, membership.pk, "expertise"]),
        {"recognised_expertise": [str(tag.pk)], "next": page},
    )
    assert list(membership.recognised_expertise.all()) == [tag]
    # A member cannot recognise anyone, themself included.
    client.force_login(member)
    assert "Save recognised expertise" not in client.get(page).content.decode()
    response = client.post(
        reverse("member_action", args=[community.slug, membership.pk, "expertise"]),
        {"recognised_expertise": []},
    )
    assert response.status_code == 403
    assert list(membership.recognised_expertise.all()) == [tag]


def test_a_substantial_rewrite_returns_a_validated_practice_to_validation(client, community):
    entry, author = _validated(community)
    rewritten = "Something else entirely: we now roll forward and never back, with flags."
    entries.edit_entry(entry=entry, by=author, title="Roll forward", body=rewritten)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.NOT_VALIDATED and entry.validated_at is None
    assert entry.endorsements.count() == 0
    note = Note.objects.get(entry=entry, kind=NoteKind.REVALIDATION)
    assert "Revision 2" in note.body and "Ann, Bo" in note.body
    assert entry.revisions.count() == 2  # the validated text stays in the history
    client.force_login(author)
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "Published, awaiting validation" in page
    assert "rewritten substantially" in page
    # The same people may vouch for the new text.
    validation.endorse_entry(
        entry=entry, user=Membership.objects.get(user__display_name="Ann").user
    )
    assert entry.endorsements.count() == 1


def test_a_small_edit_keeps_the_validation(community):
    entry, author = _validated(community)
    entries.edit_entry(entry=entry, by=author, title="Roll back", body=BODY.replace("way", "wya"))
    entry.refresh_from_db()
    assert entry.status == EntryStatus.VALIDATED
    assert not Note.objects.filter(entry=entry).exists()


def test_reverting_far_back_also_returns_to_validation(community):
    author = make_member(community)
    entry = entries.write_entry(
        community=community, author=author, title="Old way", body="Reboot it all.", publish=True
    )
    entries.edit_entry(entry=entry, by=author, title="Roll back", body=BODY)
    for name in ("Cy", "Di"):
        validation.endorse_entry(entry=entry, user=make_member(community, display_name=name))
    entry.refresh_from_db()
    assert entry.status == EntryStatus.VALIDATED
    entries.revert_entry(entry=entry, to_number=1, by=author)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.NOT_VALIDATED


def test_withdrawn_endorsement_takes_its_points_back(community):
    author = make_member(community)
    entry = entries.write_entry(
        community=community, author=author, title="T", body="B", publish=True
    )
    endorser = make_member(community)
    validation.endorse_entry(entry=entry, user=endorser)
    assert _points(endorser, community) == 2
    validation.withdraw_endorsement(user=endorser, entry=entry)
    assert _points(endorser, community) == 0
    assert not ParticipationEvent.objects.filter(
        membership__user=endorser, kind=ParticipationKind.VALIDATED_ENTRY
    ).exists()


def test_unaccepted_solution_takes_its_points_back(community):
    asker, replier = make_member(community), make_member(community)
    problem = problems.ask_problem(community=community, author=asker, title="Q", context="?")
    reply = problems.post_reply(problem=problem, author=replier, body="Do this.")
    before = _points(replier, community)
    problems.accept_solution(reply=reply, by=asker)
    assert _points(replier, community) == before + 5
    problems.unaccept_solution(reply=reply, by=asker)
    assert _points(replier, community) == before
