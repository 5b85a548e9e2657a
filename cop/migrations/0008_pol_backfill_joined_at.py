"""Members who joined by invitation were activated without `joined_at` (the row was
created already active, so the activation that stamps it was skipped). Their best known
joining time is when their membership row was made."""

from django.db import migrations
from django.db.models import F


def backfill(apps, schema_editor):
    Membership = apps.get_model("cop", "Membership")
    Membership.objects.filter(status="active", joined_at__isnull=True).update(
        joined_at=F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [("cop", "0007_alter_participationevent_kind")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
