"""Groupthink and insularity signals on constructed data whose every monthly figure is
worked out by hand, the fixed query count, and the dashboard showing each signal with
its reference, its line chart and its table."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from cop.enums import Level, Role
from knowledge.enums import EntryStatus, NoteKind
from knowledge.models import Endorsement, ExpertValidation, Note
from knowledge.signals_groupthink import groupthink_signals, signal_months
from meetings.models import MeetingGuest
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    PracticeEntryFactory,
    ProblemFactory,
    ReplyFactory,
    StoryFactory,
    make_member,
)

END = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def at(year, month, day=10):
    return datetime(year, month, day, 12, 0, tzinfo=UTC)


def _world():
    """By hand (months 2025-07 .. 2026-06):

    - A (core) asked a problem in January 2025 and wrote two practices in 2024 (before
      the window). May 2026: B and C answer once each (their first answers). June: A
      answers three times, B and C once each; D tells a story (D's first post).
    - top voices: May 2 voices, the top one (10 % of 2, at least one) wrote 1 of 2 =
      50 %; June 3 voices, A wrote 3 of 5 = 60 % (above the 50 % reference: flagged).
    - new voices: May 2 (B, C: first answers), June 1 (D: first post); A's first answer
      is in June but A spoke first in 2024, so A is not new.
    - outside the core: May 2 of 2 = 100 %; June 2 of 5 = 40 % (under 50 %: flagged).
    - P1 validated in March 2026 (endorsed by B and C: two people); P2 validated in
      June (A's expert validation alone): single validator March 0 %, June 100 %.
    - notes: one alternative in April on P1 (1 validated then: 1.0); a dissent and an
      alternative in June (2 validated: 2 / 2 = 1.0); a revalidation note in June is
      not a member's note and does not count; March 0 notes / 1 = 0.
    - outside input: a June meeting with two guests, one revoked: 1 in June; the last
      quarter has 1 (reference one a quarter: not flagged).
    """
    community = CommunityFactory()
    a = make_member(community, role=Role.COORDINATOR, display_name="A")
    a.memberships.update(level=Level.CORE)
    b, c, d = (make_member(community, display_name=n) for n in "BCD")
    problem = ProblemFactory(community=community, author=a, created_at=at(2025, 1))
    for who, when in [(b, at(2026, 5)), (c, at(2026, 5, 12))]:
        ReplyFactory(problem=problem, author=who, created_at=when)
    for who, day in [(a, 1), (a, 2), (a, 3), (b, 4), (c, 5)]:
        ReplyFactory(problem=problem, author=who, created_at=at(2026, 6, day))
    StoryFactory(community=community, author=d, created_at=at(2026, 6, 7))
    p1 = PracticeEntryFactory(
        community=community,
        author=a,
        created_at=at(2024, 1),
        status=EntryStatus.VALIDATED,
        validated_at=at(2026, 3),
    )
    p2 = PracticeEntryFactory(
        community=community,
        author=a,
        created_at=at(2024, 2),
        status=EntryStatus.VALIDATED,
        validated_at=at(2026, 6, 8),
    )
    Endorsement.objects.create(entry=p1, user=b)
    Endorsement.objects.create(entry=p1, user=c)
    ExpertValidation.objects.create(entry=p2, validator=a)
    Note.objects.create(
        entry=p1, author=b, kind=NoteKind.ALTERNATIVE, body="x", created_at=at(2026, 4)
    )
    Note.objects.create(
        entry=p1, author=c, kind=NoteKind.DISSENT, body="x", created_at=at(2026, 6, 9)
    )
    Note.objects.create(
        entry=p2, author=b, kind=NoteKind.ALTERNATIVE, body="x", created_at=at(2026, 6, 9)
    )
    Note.objects.create(
        entry=p2, author=None, kind=NoteKind.REVALIDATION, body="x", created_at=at(2026, 6, 9)
    )
    meeting = MeetingFactory(community=community, starts_at=at(2026, 6, 20))
    for revoked in [None, at(2026, 6, 15)]:
        guest = make_member(CommunityFactory())
        MeetingGuest.objects.create(
            meeting=meeting,
            user=guest,
            email=guest.email,
            expires_at=at(2026, 7, 20),
            revoked_at=revoked,
        )
    return community, a


def _values(signal, name=None):
    points = signal["series"][name or signal["key"]]
    return {p["month"]: p["value"] for p in points if p["value"]}


def test_signal_months_are_the_twelve_ending_with_the_period():
    months = signal_months(END)
    assert months[0] == date(2025, 7, 1) and months[-1] == date(2026, 6, 1) and len(months) == 12


@pytest.mark.django_db
def test_every_signal_matches_the_figures_worked_out_by_hand():
    community, _a = _world()
    found = {s["key"]: s for s in groupthink_signals(community, end=END)["signals"]}

    top = found["top_voices"]
    assert _values(top) == {"2026-05": 0.5, "2026-06": 0.6}
    assert (top["current"], top["flagged"]) == (0.6, True)

    new = found["new_voices"]
    assert _values(new) == {"2026-05": 2, "2026-06": 1}
    assert _values(new, "first_answer") == {"2026-05": 2, "2026-06": 1}
    assert _values(new, "first_post") == {"2026-06": 1}
    assert (new["current"], new["flagged"]) == (1, False)

    outside = found["outside_core"]
    assert _values(outside) == {"2026-05": 1.0, "2026-06": 0.4}
    assert (outside["current"], outside["flagged"]) == (0.4, True)

    notes = found["notes_per_practice"]
    assert _values(notes) == {"2026-04": 1.0, "2026-06": 1.0}
    assert (notes["current"], notes["flagged"]) == (1.0, False)

    single = found["single_validator"]
    assert {p["month"]: p["value"] for p in single["series"]["single_validator"]}["2026-03"] == 0
    assert _values(single) == {"2026-06": 1.0}
    assert (single["current"], single["flagged"]) == (1.0, True)

    guests = found["outside_input"]
    assert _values(guests, "guests") == {"2026-06": 1}
    assert (guests["current"], guests["flagged"]) == (1, False)
    assert _values(guests, "shared") == {}  # shared practices: registered, none here


@pytest.mark.django_db
def test_a_quiet_community_flags_nothing_it_cannot_know():
    community = CommunityFactory()
    found = {s["key"]: s for s in groupthink_signals(community, end=END)["signals"]}
    assert found["top_voices"]["current"] is None and not found["top_voices"]["flagged"]
    assert not found["notes_per_practice"]["flagged"]  # nothing validated, nothing to question
    assert found["new_voices"]["flagged"] and found["outside_input"]["flagged"]


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [0, 15])
def test_signals_take_a_fixed_number_of_queries(django_assert_num_queries, extra):
    community, a = _world()
    problem = ProblemFactory(community=community, author=a, created_at=at(2026, 2))
    for n in range(extra):
        who = make_member(community)
        ReplyFactory(problem=problem, author=who, created_at=at(2026, 1 + n % 6))
        PracticeEntryFactory(
            community=community, author=who, status=EntryStatus.VALIDATED, validated_at=at(2026, 2)
        )
    # 14, and one for the practices shared from related communities (`knowledge.sharing`).
    with django_assert_num_queries(15):
        groupthink_signals(community, end=END)


@pytest.mark.django_db
def test_dashboard_shows_each_signal_with_reference_chart_and_table(client):
    community, a = _world()
    client.force_login(a)
    with time_machine.travel(END + timedelta(hours=1), tick=False):
        html = client.get(reverse("community_dashboard", args=[community.slug]) + "?period=12m")
    html = html.content.decode()
    assert "Groupthink and insularity" in html
    for text in (
        "Replies and practices by the top 10 % of voices",
        "Reference: at most 50 %.",
        "New voices",
        "Answers from outside the core",
        "Dissenting and alternative notes per validated practice",
        "Practices validated by one person",
        "Outside input",
        "Shared from related communities",
    ):
        assert text in html
    assert html.count('id="signal-') == 6
    assert html.count("past its reference") == 3


@pytest.mark.django_db
def test_api_gives_each_signal_with_reference_explanation_and_series():
    api = APIClient()
    community, a = _world()
    api.force_authenticate(a)
    with time_machine.travel(END + timedelta(hours=1), tick=False):
        body = api.get(f"/api/v1/communities/{community.slug}/signals/").json()
    assert body["community"] == community.slug
    assert body["months"][0] == "2025-07" and body["months"][-1] == "2026-06"
    found = {s["key"]: s for s in body["signals"]}
    assert list(found) == [
        "top_voices", "new_voices", "outside_core",
        "notes_per_practice", "single_validator", "outside_input",
    ]  # fmt: skip
    top = found["top_voices"]
    assert (top["current"], top["reference"], top["flagged"]) == (0.6, 0.5, True)
    assert top["label"] == "Replies and practices by the top 10 % of voices"
    assert top["reference_text"] == "Reference: at most 50 %."
    assert top["explanation"].startswith("Of the replies and practices written each month")
    assert top["unit"] == "share" and top["higher_is_better"] is False
    series = {s["key"]: s for s in found["new_voices"]["series"]}
    assert set(series) == {"new_voices", "first_post", "first_answer"}
    assert series["first_post"]["label"] == "First post"
    assert len(series["first_answer"]["points"]) == 12
    answers = {p["month"]: p["value"] for p in series["first_answer"]["points"] if p["value"]}
    assert answers == {"2026-05": 2, "2026-06": 1}
    assert (found["outside_core"]["current"], found["outside_core"]["flagged"]) == (0.4, True)
    assert (found["single_validator"]["current"], found["notes_per_practice"]["current"]) == (
        1.0,
        1.0,
    )
    guests = {s["key"]: s for s in found["outside_input"]["series"]}
    assert guests["guests"]["label"] == "Guests at meetings"
    assert {p["month"]: p["value"] for p in guests["guests"]["points"]}["2026-06"] == 1
    assert body["note"] == ""  # shared practices are a registered source


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [0, 15])
def test_api_reads_the_snapshot_in_a_fixed_number_of_queries(django_assert_num_queries, extra):
    api = APIClient()
    community, a = _world()
    api.force_authenticate(a)
    url = f"/api/v1/communities/{community.slug}/signals/"
    api.get(url)  # stores the dashboard's snapshot, as the nightly task does
    for _n in range(extra):
        ReplyFactory(problem=ProblemFactory(community=community), author=make_member(community))
    # the community with the caller's membership, then the snapshot
    with django_assert_num_queries(2):
        assert api.get(url).status_code == 200
