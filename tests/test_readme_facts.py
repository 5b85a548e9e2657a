"""What the README promises a newcomer to the code: every demo login with its role, the
port, how long the tests take, how to reset the demo data, and the first run's download.
The roles it names are checked against the seeded demo."""

import re
from pathlib import Path

import pytest

from cop.demo import DEMO_USERS, seed_demo
from cop.enums import MembershipStatus, Role
from cop.models import Membership
from mentoring.models import MentorOffer, Mentorship

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _logins() -> dict[str, str]:
    return dict(re.findall(r"^\| `([a-z]+@example\.org)` \| (.+) \|$", README, re.MULTILINE))


def test_every_demo_login_is_listed_with_its_role():
    logins = _logins()
    assert set(logins) == {email for email, *_ in DEMO_USERS} | {"admin@example.org"}
    assert "newcomer" in logins["eli@example.org"]
    assert any("mentor" in role for role in logins.values())


def test_port_test_time_reset_and_first_download_are_documented():
    assert "PORT=" in README
    assert re.search(r"`make test` takes [^.]*minute", README)
    assert "Reset the demo data" in README and "rm db.sqlite3 && make run" in README
    assert "downloading the packages" in README


@pytest.mark.django_db
def test_the_roles_named_are_the_demo_roles():

    seed_demo()

    def role(email, slug):
        m = Membership.objects.filter(user__email=email, community__slug=slug).first()
        return (m.role, m.status) if m else None

    active = MembershipStatus.ACTIVE
    assert role("ada@example.org", "sre-guild") == (Role.COORDINATOR, active)
    assert role("chen@example.org", "sre-guild") == (Role.COORDINATOR, active)
    assert role("dara@example.org", "bedside-teaching") == (Role.COORDINATOR, active)
    assert role("fatima@example.org", "security-champions") == (Role.COORDINATOR, active)
    assert role("hana@example.org", "a11y-practitioners") == (Role.COORDINATOR, active)
    assert role("june@example.org", "bedside-teaching")[1] == MembershipStatus.PENDING
    assert role("eli@example.org", "sre-guild") == (Role.MEMBER, active)
    assert Mentorship.objects.filter(
        mentor__email="ben@example.org", mentee__email="eli@example.org", status="active"
    ).exists()
    mentors = set(MentorOffer.objects.values_list("mentor__email", flat=True))
    assert {"chen@example.org", "ben@example.org", "ivan@example.org", "hana@example.org"} <= (
        mentors
    )
    assert not Membership.objects.filter(user__email="admin@example.org").exists()
