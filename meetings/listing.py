"""The kept fragments of the Meetings tab (`cop.cache`): its rows and its month grid.

Both are kept under three scopes: the community (its name and address), the
community's meeting lists (`list_scope`) and `NETWORK` (every community's name and
visibility and the relations between them, which decide the co-hosted meetings
listed and the co-hosts named). A meeting's lists are those of its host and of every
community that co-hosts it; they get a new version when one of its meetings is
saved or deleted (any path: the services, series expansion, the admin), when its
answer and attendance counts are set (`counters.refresh_counts`, the only writer)
and when its co-hosts change (`cohosts.set_cohosts`). The rest of what the rows show
for one viewer is in the key (`selectors.meetings_tab`): the co-hosted meetings
listed for them, the private communities they belong to, their own answers, the
first end still to come, the day, the month.
"""

from collections.abc import Iterable

from cop import cache

from .models import Meeting

NETWORK = "meetings.network"


def list_scope(community_id: int) -> str:
    """The version scope of a community's meeting lists."""
    return f"meetings.list:{community_id}"


def lists_changed(meeting_ids: Iterable[int], *also: int) -> None:
    """The meetings' lists (their hosts' and co-hosts', and the communities `also`)
    are read afresh (one query)."""
    ids = list(meeting_ids)
    rows = Meeting.objects.filter(pk__in=ids).values_list("community_id", "cohosts__community")
    communities = {pk for row in rows for pk in row if pk is not None} | set(also)
    if communities:
        cache.bump(*(list_scope(pk) for pk in sorted(communities)))


def meeting_changed(sender, instance=None, created=False, **kwargs) -> None:
    """A meeting was saved or is about to be deleted (its co-host rows still there). A
    new one has no co-hosts yet: its host's lists alone, without a query."""
    if created:
        cache.bump(list_scope(instance.community_id))
    else:
        lists_changed([instance.pk], instance.community_id)


def network_changed(sender, **kwargs) -> None:
    """A community or a relation between communities was saved or deleted."""
    cache.bump(NETWORK)
