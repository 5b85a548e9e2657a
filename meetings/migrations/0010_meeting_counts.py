"""The meeting's stored going, waitlist and attendance counts, filled from the rows."""

from django.db import migrations, models
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def fill_counts(apps, schema_editor):
    # The historical models: the same counts as `meetings.counters.refresh_counts`.
    Meeting = apps.get_model("meetings", "Meeting")
    RSVP = apps.get_model("meetings", "RSVP")
    Attendance = apps.get_model("meetings", "Attendance")

    def count_of(queryset):
        counted = queryset.filter(meeting=OuterRef("pk")).order_by().values("meeting")
        return Coalesce(
            Subquery(counted.annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
            Value(0),
        )

    going = RSVP.objects.filter(answer="going")
    Meeting.objects.update(
        going_count=count_of(going.filter(waitlisted=False)),
        waitlist_count=count_of(going.filter(waitlisted=True)),
        attendance_count=count_of(Attendance.objects.all()),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0009_merge_0008_meeting_cohosts_0008_poll_announcements"),
    ]

    operations = [
        migrations.AddField(
            model_name="meeting",
            name="attendance_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="meeting",
            name="going_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="meeting",
            name="waitlist_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(fill_counts, migrations.RunPython.noop, elidable=True),
    ]
