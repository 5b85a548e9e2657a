"""Load demo data. Safe to run again: every row is looked up before it is made."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from cop.demo import seed_demo


class Command(BaseCommand):
    help = "Create demo users and content for trying Copse locally (idempotent)."

    def handle(self, *args, **options):
        # Seeding triggers the same notifications real use does; nobody should get
        # that mail. This process ends after seeding, so the change stays here.
        settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
        with transaction.atomic():
            report = seed_demo()
        for line in report:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
