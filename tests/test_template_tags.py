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


def test_the_next_step_after_the_paper_says_the_day_a_practical_window_past_midnight_ends():
    """The summary page after handing in names the practical window with the same rule."""
    from types import SimpleNamespace

    from exams.written.views import next_step

    shanghai = ZoneInfo("Asia/Shanghai")
    sitting = SimpleNamespace(
        practical_start=datetime(2026, 11, 30, 19, 31, tzinfo=shanghai),
        practical_end=datetime(2026, 12, 1, 3, 31, tzinfo=shanghai),
        status="in_progress",
    )
    enrollment = SimpleNamespace(sitting=sitting, practical_room_id=1, practical_room=SimpleNamespace(name="实训室"))
    text = next_step(enrollment, datetime(2026, 11, 30, 20, 0, tzinfo=shanghai))["next_step"]
    assert text == "技能操作考试，11月30日 19:31–次日 03:31，实训室。"
