"""Search bodies were stored with HTML entities (`&amp;`, `&lt;`) left from the rendered
Markdown, and the snippet escaped them a second time (`x &amp;lt; y`). Store them as
plain characters, and on PostgreSQL refresh the vector the changed bodies feed."""

import html

from django.db import migrations


def unescape_bodies(apps, schema_editor):
    SearchDocument = apps.get_model("knowledge", "SearchDocument")
    changed = []
    for document in SearchDocument.objects.filter(body__contains="&").only("pk", "body"):
        body = html.unescape(document.body)
        if body != document.body:
            SearchDocument.objects.filter(pk=document.pk).update(body=body)
            changed.append(document.pk)
    if changed and schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE knowledge_searchdocument SET vector ="
                " setweight(to_tsvector('english', coalesce(title, '')), 'A')"
                " || setweight(to_tsvector('english', coalesce(body, '')), 'B')"
                " WHERE id = ANY(%s)",
                [changed],
            )


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0005_pol_validation_wording")]

    operations = [migrations.RunPython(unescape_bodies, migrations.RunPython.noop)]
