"""pg_trgm and the indexes behind "similar problems": trigram and title-tsvector GIN
indexes restricted to problems and practices (replies carry their problem's title and
would otherwise make up most of both indexes). Nothing on SQLite, whose FTS5 table
already serves the fallback."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

KINDS = "kind IN ('problem', 'entry')"
PG_FORWARD = [
    "CREATE INDEX knowledge_searchdoc_similar_trgm ON knowledge_searchdocument "
    f"USING GIN (title gin_trgm_ops) WHERE {KINDS}",
    "CREATE INDEX knowledge_searchdoc_similar_title ON knowledge_searchdocument "
    f"USING GIN (title_vector) WHERE {KINDS}",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS knowledge_searchdoc_similar_trgm",
    "DROP INDEX IF EXISTS knowledge_searchdoc_similar_title",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0008_merge_scale_polish"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD)),
    ]
