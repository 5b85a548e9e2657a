"""What a real mentee and mentor tripped over: the mentor one already has offered again,
a second mentorship of the same pair, the message typed above "Accept" thrown away, and
an explanation whose numbers did not add up."""

import pytest
from django.urls import reverse

from cop.enums import NotificationKind, ParticipationKind
from cop.models import Membership, Notification
from cop.services.participation import record_participation
from knowledge.services import problems, stories
from knowledge.services.common import soft_delete
from mentoring import services
from mentoring.enums import RequestStatus
from mentoring.models import MentorRequest, Mentorship
from tests.factories import (
    CommunityFactory,
    TagFactory,
    UserFactory,
    make_member,
    make_mentor,
    make_mentorship,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    coordinator = UserFactory(display_name="Cora")
    community = CommunityFactory(coordinator=coordinator)
    tag = TagFactory(community=community, name="Incidents", slug="incidents")
    first = make_mentor(community, display_name="First", topics=[tag], timezone="Europe/Berlin")
    second = make_mentor(community, display_name="Second", timezone="Europe/Berlin")
    mentee = make_member(community, display_name="Newt", timezone="Europe/Paris")
    return {"community": community, "tag": tag, "first": first, "second": second, "mentee": mentee}


def _rank(setup, topics=None):
    return services.rank_candidates(
        community=setup["community"],
        requester=setup["mentee"],
        topic_ids={setup["tag"].pk} if topics is None else topics,
        timezone_name="Europe/Paris",
    )


def _ask(setup, mentor=None):
    return services.request_mentor(
        community=setup["community"],
        requester=setup["mentee"],
        goals="Run my first incident review",
        topics=[setup["tag"]],
        cadence="weekly",
        timezone_name="Europe/Paris",
        mentor=mentor,
    )


def test_ranking_leaves_out_the_mentor_one_already_has(setup):
    assert [c.mentor for c in _rank(setup)] == [setup["first"], setup["second"]]
    make_mentorship(setup["community"], mentor=setup["first"], mentee=setup["mentee"])
    assert [c.mentor for c in _rank(setup)] == [setup["second"]]


def test_accepting_refuses_a_second_mentorship_of_the_same_pair(setup):
    make_mentorship(setup["community"], mentor=setup["first"], mentee=setup["mentee"])
    request = MentorRequest.objects.create(
        community=setup["community"],
        requester=setup["mentee"],
        goals="More",
        timezone="Europe/Paris",
        status=RequestStatus.OFFERED,
        current_mentor=setup["first"],
    )
    with pytest.raises(Exception, match="already mentor Newt"):
        services.accept_request(request=request, mentor=setup["first"])
    assert Mentorship.objects.filter(mentor=setup["first"], mentee=setup["mentee"]).count() == 1


def test_the_message_typed_above_accept_reaches_the_mentee(client, setup):
    request = _ask(setup, mentor=setup["first"])
    client.force_login(setup["first"])
    page = client.get(reverse("mentoring_request", args=[setup["community"].slug, request.pk]))
    html = page.content.decode()
    # One form: the message and both answers, so the message goes with either.
    form = html[html.index('id="decline"') : html.index("</form>", html.index('id="decline"'))]
    assert 'name="message"' in form and "Accept and become their mentor" in form
    response = client.post(
        reverse("mentoring_accept", args=[setup["community"].slug, request.pk]),
        {"message": "Happy to! Let's meet on Tuesday."},
    )
    mentorship = Mentorship.objects.get(request=request)
    assert response.url == mentorship.get_absolute_url()
    note = Notification.objects.get(recipient=setup["mentee"], kind=NotificationKind.MENTOR_ANSWER)
    assert "meet on Tuesday" in note.body
    client.force_login(setup["mentee"])
    assert (
        "Let&#x27;s meet on Tuesday." in client.get(mentorship.get_absolute_url()).content.decode()
    )


def test_an_accepted_answer_on_a_problem_in_the_topic_counts_in_your_topics(setup):
    community, first = setup["community"], setup["first"]
    asker = make_member(community)
    problem = problems.ask_problem(
        community=community, author=asker, title="Pager storm", context="?", tags=[setup["tag"]]
    )
    reply = problems.post_reply(problem=problem, author=first, body="Silence the dupes.")
    problems.accept_solution(reply=reply, by=asker)
    [candidate, _second] = _rank(setup)
    texts = [reason.text for reason in candidate.reasons]
    assert "In your topics: 1 answer accepted, 1 problem answered" in texts


def test_a_deleted_story_no_longer_counts(setup):
    community, second = setup["community"], setup["second"]
    story = stories.tell_story(
        community=community, author=second, title="Night", situation="x", action="", outcome=""
    )
    [_first, candidate] = _rank(setup)
    assert "Elsewhere in the community: 1 story told" in [r.text for r in candidate.reasons]
    soft_delete(item=story, by=second)
    [_first, candidate] = _rank(setup)
    assert "No answers, practices or meetings recorded here yet" in [
        r.text for r in candidate.reasons
    ]


def test_the_explanation_adds_up_to_the_score(setup):
    community, first = setup["community"], setup["first"]
    membership = Membership.objects.get(user=first, community=community)
    for _ in range(4):
        tagged = MentorRequest.objects.create(
            community=community, requester=make_member(community), goals="x", timezone="UTC"
        )
        tagged.topics.set([setup["tag"]])
        record_participation(
            kind=ParticipationKind.SOLUTION_ACCEPTED, member=membership, subject=tagged
        )
    for _ in range(5):
        record_participation(kind=ParticipationKind.HOSTED_MEETING, member=membership)
    for candidate in _rank(setup) + _rank(setup, topics=set()):
        assert sum(r.points for r in candidate.reasons) == candidate.score
    [best, _second] = _rank(setup)
    assert [(r.text, r.points) for r in best.reasons][1:3] == [
        ("In your topics: 4 answers accepted", 8),
        ("Elsewhere in the community: 5 meetings hosted", 2),
    ]
