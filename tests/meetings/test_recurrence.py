from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from meetings.enums import Frequency, SeriesEnd
from meetings.recurrence import build_rrule, describe_rule, occurrence_window, place


def test_build_rrule_weekly_on_chosen_days_every_two_weeks():
    rule = build_rrule(frequency=Frequency.WEEKLY, interval=2, weekdays=[3, 1])
    assert rule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH"


def test_build_rrule_monthly_on_last_friday_after_count():
    rule = build_rrule(
        frequency=Frequency.MONTHLY_WEEKDAY, nth=-1, weekday=4, end=SeriesEnd.AFTER_COUNT, count=6
    )
    assert rule == "FREQ=MONTHLY;INTERVAL=1;BYDAY=-1FR;COUNT=6"


def test_build_rrule_monthly_on_date_until():
    rule = build_rrule(
        frequency=Frequency.MONTHLY_DATE,
        monthday=15,
        end=SeriesEnd.ON_DATE,
        until=date(2027, 6, 30),
    )
    assert rule == "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=15;UNTIL=20270630T235959"


def test_build_rrule_weekly_without_days_is_refused():
    with pytest.raises(ValidationError, match="at least one day"):
        build_rrule(frequency=Frequency.WEEKLY, weekdays=[])


def test_describe_rule_reads_like_a_sentence():
    assert describe_rule("FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE") == "Every week on Monday, Wednesday"
    assert (
        describe_rule("FREQ=MONTHLY;INTERVAL=1;BYDAY=2TU;COUNT=5")
        == "The second Tuesday of every month, 5 times"
    )


def _window(rule, tz, starts_on, until, start_time=time(17, 0)):
    return occurrence_window(
        rule,
        starts_on=starts_on,
        start_time=start_time,
        duration=timedelta(hours=1),
        tz_name=tz,
        after=starts_on,
        until=until,
    )


@pytest.mark.parametrize(
    ("tz", "starts_on", "until"),
    [
        ("Europe/Berlin", date(2027, 3, 1), date(2027, 4, 30)),  # change on 28 March
        ("Europe/Berlin", date(2027, 10, 1), date(2027, 11, 30)),  # change on 31 October
        ("America/New_York", date(2027, 3, 1), date(2027, 4, 30)),  # change on 14 March
        ("America/New_York", date(2027, 10, 15), date(2027, 11, 30)),  # change on 7 November
    ],
)
def test_weekly_series_keeps_local_time_across_dst(tz, starts_on, until):
    occurrences = _window("FREQ=WEEKLY;INTERVAL=1;BYDAY=MO", tz, starts_on, until)
    zone = ZoneInfo(tz)
    local_times = {start.astimezone(zone).time() for _d, start, _e in occurrences}
    utc_offsets = {start.astimezone(zone).utcoffset() for _d, start, _e in occurrences}
    assert local_times == {time(17, 0)}
    assert len(utc_offsets) == 2  # the UTC time moved, the local time did not
    assert all(start.tzinfo == UTC for _d, start, _e in occurrences)


def test_berlin_series_is_16_utc_in_winter_and_15_utc_in_summer():
    occurrences = _window(
        "FREQ=WEEKLY;INTERVAL=1;BYDAY=TH", "Europe/Berlin", date(2027, 3, 18), date(2027, 4, 1)
    )
    assert [start for _d, start, _e in occurrences] == [
        datetime(2027, 3, 18, 16, 0, tzinfo=UTC),
        datetime(2027, 3, 25, 16, 0, tzinfo=UTC),
        datetime(2027, 4, 1, 15, 0, tzinfo=UTC),
    ]


def test_monthly_nth_weekday_across_new_york_change():
    occurrences = _window(
        "FREQ=MONTHLY;INTERVAL=1;BYDAY=1SU",
        "America/New_York",
        date(2027, 9, 1),
        date(2027, 12, 31),
        start_time=time(9, 30),
    )
    zone = ZoneInfo("America/New_York")
    assert [d for d, _s, _e in occurrences] == [
        date(2027, 9, 5),
        date(2027, 10, 3),
        date(2027, 11, 7),  # the very day clocks fall back
        date(2027, 12, 5),
    ]
    assert {s.astimezone(zone).time() for _d, s, _e in occurrences} == {time(9, 30)}


def test_place_moves_a_skipped_time_past_the_gap():
    # 02:30 does not exist in Berlin on 28 March 2027.
    placed = place(datetime(2027, 3, 28, 2, 30), "Europe/Berlin")
    assert placed.astimezone(ZoneInfo("Europe/Berlin")).time() == time(3, 30)


def test_count_is_honoured_from_the_first_meeting():
    occurrences = _window(
        "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;COUNT=3",
        "Europe/Berlin",
        date(2027, 1, 4),
        date(2027, 12, 31),
    )
    assert [d for d, _s, _e in occurrences] == [
        date(2027, 1, 4),
        date(2027, 1, 11),
        date(2027, 1, 18),
    ]
