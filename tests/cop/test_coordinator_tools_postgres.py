"""The coordinator tools' locking services, called as a view calls them: in autocommit on
PostgreSQL (where `select_for_update` outside a transaction raises), and at once from
several threads."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from cop.models import Invitation, Notification, OutreachNote
from cop.services import invitations_bulk as bulk
from cop.services import outreach
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_invite_many_twice_at_once_invites_each_address_once():
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    text = "\n".join(f"p{n}@example.net" for n in range(50))

    def upload(_):
        try:
            result = bulk.invite_many(
                community=community, by=coordinator, rows=bulk.parse_rows(text)
            )
            return len(result.valid)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=3) as pool:
        invited = sorted(pool.map(upload, range(3)))

    assert invited == [0, 0, 50]
    assert Invitation.objects.filter(community=community).count() == 50


def test_send_personal_note_in_autocommit():
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    member = make_member(community)
    note = outreach.send_personal_note(
        community=community, by=coordinator, recipient=member, body="We miss you!"
    )
    assert OutreachNote.objects.get(pk=note.pk).recipient_id == member.pk
    assert Notification.objects.filter(recipient=member, kind="personal_note").count() == 1
