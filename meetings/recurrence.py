"""Recurrence rules: built from the friendly series form, validated, expanded and described.

A rule is RFC 5545 RRULE text without DTSTART. It is always evaluated on naive
local date-times in the series' own zone, and each occurrence is then placed in
that zone, so a 17:00 Europe/Berlin meeting stays at 17:00 in Berlin across
daylight-saving changes (its UTC time moves instead).
"""

import re
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


# The parts of an RRULE a series may use. A series meets once on each of its days at
# its own start time, so BYHOUR, BYMINUTE and BYSECOND (several meetings a day) are
# refused; BYSETPOS, BYYEARDAY and BYWEEKNO are left out because they make rules that can
# match nothing for thousands of years, which dateutil searches to the year 9999.
RULE_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "WKST"}
TIME_PARTS = {"BYHOUR", "BYMINUTE", "BYSECOND"}
UNSUPPORTED_PARTS = {"BYSETPOS", "BYYEARDAY", "BYWEEKNO"}
FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
SUB_DAILY = {"HOURLY", "MINUTELY", "SECONDLY"}
MAX_INTERVAL = 100
MAX_COUNT = 1000
DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]  # February as in a leap year
_BYDAY = re.compile(r"^([+-]?)(\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL = re.compile(r"^(\d{8})(T\d{6}Z?)?$")


def _invalid(reason: str) -> ValidationError:
    return ValidationError(_("The recurrence rule is not valid: %(error)s") % {"error": reason})


def _integers(key: str, value: str, low: int, high: int, *, signed: bool = False) -> list[int]:
    numbers = []
    for item in value.split(","):
        if not re.fullmatch(r"[+-]?\d{1,4}" if signed else r"\d{1,4}", item):
            raise _invalid(_("%(key)s must be a list of numbers.") % {"key": key})
        number = int(item)
        if not low <= abs(number) <= high:
            raise _invalid(
                _("%(key)s takes numbers from %(low)s to %(high)s.")
                % {"key": key, "low": low, "high": high}
            )
        numbers.append(number)
    return numbers


def check_rule(rule: str) -> dict[str, str]:
    """The parts of an RRULE text a series can use, or ValidationError saying what is
    wrong with it. One line, RRULE parts only (no DTSTART, EXDATE or RDATE), each value
    in its range, and no combination that can never (or only once in centuries) match."""
    text = rule.strip()
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        raise _invalid(_("a rule is one line, without control characters."))
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or ":" in text:
        raise _invalid(_("give the RRULE parts only (no DTSTART, EXDATE or RDATE)."))
    parts: dict[str, str] = {}
    for item in text.split(";"):
        key, sep, value = item.partition("=")
        key, value = key.strip().upper(), value.strip().upper()
        if not sep or not value:
            raise _invalid(_("each part is NAME=VALUE."))
        if key in parts:
            raise _invalid(_("%(key)s is given twice.") % {"key": key})
        if key in TIME_PARTS:
            raise ValidationError(
                _(
                    "A series meets once a day, at its start time: BYHOUR, BYMINUTE and "
                    "BYSECOND cannot be used."
                )
            )
        if key in UNSUPPORTED_PARTS:
            raise _invalid(_("%(key)s is not supported.") % {"key": key})
        if key not in RULE_PARTS:
            raise _invalid(_("%(key)s is not a recurrence rule part.") % {"key": key})
        parts[key] = value
    freq = parts.get("FREQ")
    if freq in SUB_DAILY:
        raise ValidationError(_("A series repeats daily at most."))
    if freq not in FREQUENCIES:
        raise _invalid(_("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY."))
    if "INTERVAL" in parts:
        _integers("INTERVAL", parts["INTERVAL"], 1, MAX_INTERVAL)
        if "," in parts["INTERVAL"]:
            raise _invalid(_("INTERVAL is one number."))
    if "COUNT" in parts:
        if "UNTIL" in parts:
            raise _invalid(_("give COUNT or UNTIL, not both."))
        _integers("COUNT", parts["COUNT"], 1, MAX_COUNT)
        if "," in parts["COUNT"]:
            raise _invalid(_("COUNT is one number."))
    if "UNTIL" in parts:
        match = _UNTIL.match(parts["UNTIL"])
        try:
            datetime.strptime(match.group(1), "%Y%m%d") if match else None
        except ValueError:
            match = None
        if not match:
            raise _invalid(_("UNTIL is a date such as 20271231 or 20271231T235959Z."))
    if "WKST" in parts and parts["WKST"] not in WEEKDAY_CODES:
        raise _invalid(_("WKST is a weekday such as MO."))
    months = _integers("BYMONTH", parts["BYMONTH"], 1, 12) if "BYMONTH" in parts else []
    monthdays = (
        _integers("BYMONTHDAY", parts["BYMONTHDAY"], 1, 31, signed=True)
        if "BYMONTHDAY" in parts
        else []
    )
    if any(n < 0 for n in months):
        raise _invalid(_("BYMONTH takes months from 1 to 12."))
    if months and monthdays:
        possible = any(
            abs(day) <= DAYS_IN_MONTH[month - 1] for month in months for day in monthdays
        )
        if not possible:
            raise _invalid(_("none of these months has that day."))
    if "BYDAY" in parts:
        highest = {"MONTHLY": 5, "YEARLY": 5 if months else 53}.get(freq, 0)
        for item in parts["BYDAY"].split(","):
            match = _BYDAY.match(item)
            if not match:
                raise _invalid(_("BYDAY takes weekdays such as MO, 2TU or -1FR."))
            if match.group(2) is not None:
                nth = int(match.group(2))
                if highest == 0:
                    raise _invalid(
                        _("a numbered weekday (such as 2TU) needs FREQ=MONTHLY or YEARLY.")
                    )
                if not 1 <= nth <= highest:
                    raise _invalid(
                        _("a numbered weekday counts from 1 to %(n)s, or back from -1.")
                        % {"n": highest}
                    )
        if monthdays:
            raise _invalid(_("give weekdays (BYDAY) or days of the month, not both."))
    return parts


def parse_rule(rule: str, *, starts_on: date, start_time: time):
    """The dateutil rule for this RRULE text anchored at the local first start.
    Raises ValidationError for text that is not a usable rule (see `check_rule`)."""
    check_rule(rule)
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    dtstart = datetime.combine(starts_on, start_time)
    try:
        parsed = rrulestr(text, dtstart=dtstart)
    except (ValueError, TypeError, IndexError, OverflowError) as exc:
        raise _invalid(str(exc)) from exc
    if parsed._freq not in (DAILY, WEEKLY, MONTHLY, YEARLY):
        raise ValidationError(_("A series repeats daily at most."))
    return parsed


def rule_until(rule: str) -> date | None:
    """The date of the rule's UNTIL, if it has one (the rule must pass `check_rule`)."""
    until = check_rule(rule).get("UNTIL")
    return datetime.strptime(until[:8], "%Y%m%d").date() if until else None


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
        if found and found[-1].date() == moment.date():
            continue  # one meeting a day: the occurrence key is the date
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
