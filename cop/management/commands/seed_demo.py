"""Load demo data. Safe to run again: every row is looked up before it is made."""

from django.core.management.base import BaseCommand
from django.db import transaction

from cop.demo import seed_demo


class Command(BaseCommand):
    help = "Create demo users and content for trying Copse locally (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            report = seed_demo()
        for line in report:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
