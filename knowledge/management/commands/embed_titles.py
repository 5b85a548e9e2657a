"""Give every problem and practice its title vector (after the migration that added
them, or a restore): `manage.py embed_titles`. Safe to run again; only documents
without a current vector are encoded."""

from django.core.management.base import BaseCommand

from knowledge.services.meanings import embed_all_titles


class Command(BaseCommand):
    help = "Encode the titles of problems and practices that have no current title vector."

    def handle(self, *args, **options):
        total = embed_all_titles(progress=lambda n: self.stdout.write(f"  {n} documents"))
        self.stdout.write(f"{total} title vectors written")
