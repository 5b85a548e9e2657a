"""`manage.py recount [--community SLUG]`: every stored counter set from the rows.

The services keep the counters in step as they write; this repairs them after data was
written outside the services (an import, a hand edit, a restore of part of a table)."""

from django.core.management.base import BaseCommand, CommandError

from cop.extensions import RECOUNTERS
from cop.models import Community


class Command(BaseCommand):
    help = "Recount every stored counter (comments, replies, topics, ...) from the rows."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--community", metavar="SLUG", help="Only this community.")

    def handle(self, *args, community=None, **options) -> None:
        scope = None
        if community is not None:
            scope = Community.objects.filter(slug=community).first()
            if scope is None:
                raise CommandError(f"No community with the address “{community}”.")
        for name, recount in RECOUNTERS:
            recount(scope)
            self.stdout.write(f"Recounted {name}.")
