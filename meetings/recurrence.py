"""Recurrence rules: built from the friendly series form, validated, expanded and described.

A rule is RFC 5545 RRULE text without DTSTART. It is always evaluated on naive
local date-times in the series' own zone, and each occurrence is then placed in
that zone, so a 17:00 Europe/Berlin meeting stays at 17:00 in Berlin across
daylight-saving changes (its UTC time moves instead).
"""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrulestr
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .enums import Frequency, SeriesEnd

WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
MAX_OCCURRENCES = 400  # per expansion: a safety net against a runaway rule


def build_rrule(
    *,
    frequency: str,
    interval: int = 1,
    weekdays: list[int] | None = None,
    nth: int | None = None,
    weekday: int | None = None,
    monthday: int | None = None,
    end: str = SeriesEnd.NEVER,
    until: date | None = None,
    count: int | None = None,
) -> str:
    """RRULE text for one of the friendly shapes. Weekdays are 0 (Monday) to 6;
    `nth` is 1..4 or -1 for the last such weekday of the month."""
    interval = max(int(interval or 1), 1)
    if frequency == Frequency.WEEKLY:
        if not weekdays:
            raise ValidationError(_("Choose at least one day of the week."))
        days = ",".join(WEEKDAY_CODES[d] for d in sorted(set(weekdays)))
        parts = ["FREQ=WEEKLY", f"INTERVAL={interval}", f"BYDAY={days}"]
    elif frequency == Frequency.MONTHLY_WEEKDAY:
        if nth not in (1, 2, 3, 4, -1) or weekday is None or not 0 <= weekday <= 6:
            raise ValidationError(_("Choose which weekday of the month."))
        parts = ["FREQ=MONTHLY", f"INTERVAL={interval}", f"BYDAY={nth}{WEEKDAY_CODES[weekday]}"]
    elif frequency == Frequency.MONTHLY_DATE:
        if monthday is None or not 1 <= monthday <= 31:
            raise ValidationError(_("Choose a day of the month between 1 and 31."))
        parts = ["FREQ=MONTHLY", f"INTERVAL={interval}", f"BYMONTHDAY={monthday}"]
    else:
        raise ValidationError(_("Choose how often the series repeats."))
    if end == SeriesEnd.ON_DATE:
        if until is None:
            raise ValidationError(_("Say on which date the series ends."))
        parts.append(f"UNTIL={until:%Y%m%d}T235959")
    elif end == SeriesEnd.AFTER_COUNT:
        if not count or count < 1:
            raise ValidationError(_("Say after how many meetings the series ends."))
        parts.append(f"COUNT={int(count)}")
    return ";".join(parts)


def parse_rule(rule: str, *, starts_on: date, start_time: time):
    """The dateutil rule for this RRULE text anchored at the local first start.
    Raises ValidationError for text that is not a usable rule."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or "DTSTART" in text.upper():
        raise ValidationError(_("The recurrence rule is not valid."))
    dtstart = datetime.combine(starts_on, start_time)
    try:
        parsed = rrulestr(text, dtstart=dtstart)
    except (ValueError, TypeError) as exc:
        raise ValidationError(
            _("The recurrence rule is not valid: %(error)s") % {"error": exc}
        ) from exc
    if parsed._freq not in (DAILY, WEEKLY, MONTHLY, YEARLY):
        raise ValidationError(_("A series repeats daily at most."))
    return parsed


def local_occurrences(
    rule: str, *, starts_on: date, start_time: time, after: date, until: date
) -> list[datetime]:
    """Naive local start date-times of the rule whose dates lie in [after, until]."""
    parsed = parse_rule(rule, starts_on=starts_on, start_time=start_time)
    found: list[datetime] = []
    lower = datetime.combine(after, time.min)
    upper = datetime.combine(until, time.max)
    for moment in parsed.xafter(lower, count=MAX_OCCURRENCES, inc=True):
        if moment > upper:
            break
        found.append(moment)
    return found


def place(local: datetime, tz_name: str) -> datetime:
    """A naive local date-time in `tz_name` as an aware UTC datetime. A time that does
    not exist (skipped by a spring change) moves forward by the gap."""
    # fold=0 reads a skipped time with the offset before the change (PEP 495), which
    # lands it after the gap; a repeated time is taken at its first instance.
    return local.replace(tzinfo=zoneinfo.ZoneInfo(tz_name), fold=0).astimezone(UTC)


def occurrence_window(
    rule: str,
    *,
    starts_on: date,
    start_time: time,
    duration: timedelta,
    tz_name: str,
    after: date,
    until: date,
) -> list[tuple[date, datetime, datetime]]:
    """(local date, start UTC, end UTC) of each occurrence dated in [after, until]."""
    result = []
    for local in local_occurrences(
        rule, starts_on=starts_on, start_time=start_time, after=after, until=until
    ):
        start = place(local, tz_name)
        result.append((local.date(), start, start + duration))
    return result


def describe_rule(rule: str) -> str:
    """A short human sentence for the shapes the form builds; the raw rule otherwise."""
    fields = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    interval = int(fields.get("INTERVAL", "1") or 1)
    names = {
        "MO": _("Monday"),
        "TU": _("Tuesday"),
        "WE": _("Wednesday"),
        "TH": _("Thursday"),
        "FR": _("Friday"),
        "SA": _("Saturday"),
        "SU": _("Sunday"),
    }
    ordinals = {
        "1": _("first"),
        "2": _("second"),
        "3": _("third"),
        "4": _("fourth"),
        "-1": _("last"),
    }
    freq = fields.get("FREQ")
    if freq == "WEEKLY" and "BYDAY" in fields:
        days = ", ".join(str(names.get(code, code)) for code in fields["BYDAY"].split(","))
        text = (
            _("Every week on %(days)s") % {"days": days}
            if interval == 1
            else _("Every %(n)s weeks on %(days)s") % {"n": interval, "days": days}
        )
    elif freq == "MONTHLY" and "BYDAY" in fields:
        code = fields["BYDAY"]
        nth, day = code[:-2], code[-2:]
        text = _("The %(nth)s %(day)s of every %(months)s") % {
            "nth": ordinals.get(nth, nth),
            "day": names.get(day, day),
            "months": ngettext("month", "%(n)s months", interval) % {"n": interval},
        }
    elif freq == "MONTHLY" and "BYMONTHDAY" in fields:
        text = _("On day %(day)s of every %(months)s") % {
            "day": fields["BYMONTHDAY"],
            "months": ngettext("month", "%(n)s months", interval) % {"n": interval},
        }
    else:
        return rule
    if "UNTIL" in fields:
        until = datetime.strptime(fields["UNTIL"][:8], "%Y%m%d").date()
        text += ", " + _("until %(date)s") % {"date": until.isoformat()}
    elif "COUNT" in fields:
        text += ", " + ngettext("once", "%(n)s times", int(fields["COUNT"])) % {
            "n": fields["COUNT"]
        }
    return text


def last_occurrence(rule: str, *, starts_on: date, start_time: time) -> date | None:
    """The local date of a series' last meeting when its rule ends (UNTIL or COUNT);
    None for a series that runs until someone ends it."""
    parsed = parse_rule(rule, starts_on=starts_on, start_time=start_time)
    if parsed._count is None and parsed._until is None:
        return None
    moments = list(
        parsed.xafter(datetime.combine(starts_on, time.min), count=MAX_OCCURRENCES, inc=True)
    )
    return moments[-1].date() if moments else None
