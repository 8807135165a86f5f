"""``end_time``: the end of a window says its day when it is not the start's (Asia/Shanghai)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from certify.templatetags.certify_tags import end_time

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def test_the_same_day_is_the_time_alone():
    assert end_time(at(30, 10), at(30, 9)) == "10:00"


def test_past_midnight_is_the_next_day_by_the_local_calendar():
    assert end_time(at(30, 2, 7), at(29, 18, 7)) == "次日 02:07"
    # 07:00 and 09:00 in Shanghai are the same local day though 23:00 and 01:00 UTC are not.
    assert end_time(at(30, 9), at(30, 7)) == "09:00"


def test_later_days_are_named():
    assert end_time(at(30, 9), at(27, 9)) == "11月30日 09:00"
    assert end_time(None, at(27, 9)) == ""
