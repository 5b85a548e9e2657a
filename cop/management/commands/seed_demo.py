"""Load demo data. Safe to run again: every row is looked up before it is made."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from cop.demo import seed_demo


class Command(BaseCommand):
    help = "Create demo users and content for trying Copse locally (idempotent)."

    def handle(self, *args, **options):
        # Seeding triggers the same notifications real use does; nobody should get that
        # mail. override_settings restores the backend afterwards (tests call this too).
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            transaction.atomic(),
        ):
            report = seed_demo()
        for line in report:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
