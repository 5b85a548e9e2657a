"""Full-text search structures that only one database understands.

PostgreSQL: a GIN index on the stored, weighted tsvector. SQLite: an external-content
FTS5 table (porter stemming) over title and body, kept in step by triggers.
Each runs only on its own database, so the same migrations work on both.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE INDEX knowledge_searchdoc_vector_gin ON knowledge_searchdocument USING GIN (vector)",
]
PG_BACKWARD = ["DROP INDEX IF EXISTS knowledge_searchdoc_vector_gin"]

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE knowledge_searchdocument_fts USING fts5(
        title, body, content='knowledge_searchdocument', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER knowledge_searchdocument_ai AFTER INSERT ON knowledge_searchdocument BEGIN
        INSERT INTO knowledge_searchdocument_fts(rowid, title, body)
        VALUES (new.id, new.title, new.body);
    END""",
    """CREATE TRIGGER knowledge_searchdocument_ad AFTER DELETE ON knowledge_searchdocument BEGIN
        INSERT INTO knowledge_searchdocument_fts(knowledge_searchdocument_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END""",
    """CREATE TRIGGER knowledge_searchdocument_au AFTER UPDATE ON knowledge_searchdocument BEGIN
        INSERT INTO knowledge_searchdocument_fts(knowledge_searchdocument_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO knowledge_searchdocument_fts(rowid, title, body)
        VALUES (new.id, new.title, new.body);
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS knowledge_searchdocument_au",
    "DROP TRIGGER IF EXISTS knowledge_searchdocument_ad",
    "DROP TRIGGER IF EXISTS knowledge_searchdocument_ai",
    "DROP TABLE IF EXISTS knowledge_searchdocument_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
