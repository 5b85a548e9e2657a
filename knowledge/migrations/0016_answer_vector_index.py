"""A GIN index on the texts' search vector restricted to what can speak for a problem
or practice (problems' descriptions, replies, practices: `similarity.answer_scan`).
The whole-table index also holds the stories, which the scan then fetches from the heap
only to filter them out: at 100,000 problems a common word's first 400 matches cost
some 7,000 rows read instead of 400. Nothing on SQLite, whose FTS5 table serves the
scan there."""

from django.db import migrations

PG_FORWARD = [
    "CREATE INDEX knowledge_searchdoc_answer_vector ON knowledge_searchdocument "
    "USING GIN (vector) WHERE kind IN ('problem', 'reply', 'entry')",
]
PG_BACKWARD = ["DROP INDEX IF EXISTS knowledge_searchdoc_answer_vector"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0015_title_meaning"),
    ]

    operations = [
        migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD)),
    ]
