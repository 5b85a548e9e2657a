"""The member directory's sort key on the membership, filled from each member's name,
and the indexes the directory reads in order."""

from django.db import migrations, models


def fill_sort_names(apps, schema_editor):
    # The historical model has no `User.name`: the same rule as
    # `cop.services.directory.sort_name_of`, spelt out.
    Membership = apps.get_model("cop", "Membership")
    changed = []
    rows = Membership.objects.select_related("user").only(
        "sort_name", "user__display_name", "user__email"
    )
    for membership in rows.iterator(chunk_size=2000):
        user = membership.user
        membership.sort_name = (user.display_name or user.email.split("@", 1)[0]).casefold()[:80]
        changed.append(membership)
    Membership.objects.bulk_update(changed, ["sort_name"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("cop", "0023_invitation_email_lease"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="sort_name",
            field=models.CharField(blank=True, default="", editable=False, max_length=80),
        ),
        migrations.RunPython(fill_sort_names, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(
                fields=["community", "status", "role", "sort_name", "id"],
                name="membership_directory",
            ),
        ),
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(
                fields=["community", "status", "level", "role", "sort_name", "id"],
                name="membership_directory_level",
            ),
        ),
    ]
