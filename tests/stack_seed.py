"""Run inside a stack's environment (`manage.py shell -c "exec(open(...).read())"`): a
public community, a problem, a meeting with fewer places than members, and MEMBERS
members (default 20) with API tokens to reply, answer and read. Prints JSON."""

import json
import os
from datetime import timedelta

from django.utils import timezone

from cop.models import User
from cop.services.communities import create_community, join_community
from cop.services.tokens import create_token
from knowledge.services.problems import ask_problem
from meetings.services import schedule_meeting

asker = User.objects.create_user("asker@example.org", "chaos-password", display_name="Asker")
community = create_community(
    creator=asker,
    name="Chaos Practitioners",
    slug="chaos",
    domain="Keeping services up while their parts fail",
    visibility="public",
    join_policy="open",
)
problem = ask_problem(
    community=community,
    author=asker,
    title="How do we survive losing a process?",
    context="Any one of them, at any time.",
)
starts = timezone.now() + timedelta(days=7)
meeting = schedule_meeting(
    community=community,
    by=asker,
    title="Game day",
    starts_at=starts,
    ends_at=starts + timedelta(hours=1),
    timezone_name="UTC",
    capacity=5,
)
tokens = []
for i in range(int(os.environ.get("MEMBERS", "20"))):
    member = User.objects.create_user(
        f"replier{i}@example.org", "chaos-password", display_name=f"R{i}"
    )
    join_community(community=community, user=member)
    tokens.append(create_token(user=member, name="chaos")[1])
print(
    json.dumps(
        {
            "problem": problem.pk,
            "tokens": tokens,
            "url": problem.get_absolute_url(),
            "meeting": meeting.pk,
            "meeting_url": meeting.get_absolute_url(),
        }
    )
)
