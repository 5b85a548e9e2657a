"""`manage.py seed_scale` (the benchmark's data) keeps up with the schema: a small run
makes rows that the pages, counters and search treat as real."""

import pytest
from django.core.management import call_command
from django.test import Client

from cop.models import Community, User
from knowledge.models import PracticeEntry, Problem, Reply, Story
from knowledge.services.counters import counters_agree

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_small_scale_data_set_is_complete_and_consistent():
    call_command(
        "seed_scale",
        problems=60,
        replies_per_problem=3,
        stories=40,
        entries=20,
        members=40,
        communities=2,
        verbosity=0,
    )

    assert Problem.objects.count() == 60
    assert Story.objects.count() == 40
    assert PracticeEntry.objects.count() == 20
    assert Reply.objects.exists()
    for community in Community.objects.all():
        assert counters_agree(community), community.slug

    member = User.objects.get(email="scale-member@example.org")
    client = Client()
    client.force_login(member)
    community = Community.objects.get(slug="scale-1")
    for path in (
        f"/c/{community.slug}/",
        f"/c/{community.slug}/knowledge/problems/",
        f"/c/{community.slug}/knowledge/stories/",
        f"/c/{community.slug}/knowledge/practices/",
        f"/knowledge/search/?q=release&community={community.slug}",
    ):
        assert client.get(path).status_code == 200, path
