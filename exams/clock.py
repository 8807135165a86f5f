"""The exam clock: the one place where deadlines, the save grace, pauses, remaining time and
windows are computed. Every timed part (the written paper, the typing test, business entry)
goes by these functions.

The server's clock is the only one (DESIGN.md §5)::

    deadline = min(start + the part's minutes, the window's end)     deadline_for()
             + extra time granted + the length of every room pause   (moved by the room console)

- A save is accepted up to ``deadline + grace``: the grace (``CERTIFY_SAVE_GRACE_SECONDS``,
  default 10 s) absorbs requests already in flight when time ran out; it does not extend the
  part. Past it the part is over (``is_over``) and is submitted, dated at the deadline, never
  later (``ended_at``).
- While the room is paused the clock stands still: the remaining time is frozen at the moment
  of the pause and nothing is over until the room resumes (resuming moves the deadline by the
  pause's length).
- The remaining time a page shows is whole seconds to the deadline, never negative.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmittedBy(models.TextChoices):
    """How a timed part ended."""

    CANDIDATE = "candidate", _("考生交卷")
    DEADLINE = "deadline", _("时间到自动交卷")
    MISCONDUCT = "misconduct", _("违纪，考评员终止考试")


class AttemptClosed(ValidationError):
    """A save or submit that came too late, or to a part already submitted."""


class AttemptPaused(ValidationError):
    """The room is paused: nothing changes until an examiner resumes it."""


def grace() -> timedelta:
    return timedelta(seconds=settings.CERTIFY_SAVE_GRACE_SECONDS)


def deadline_for(*, start: datetime, minutes: int, window_end: datetime) -> datetime:
    """When a part started at ``start`` ends: its duration, never past the window's end."""
    return min(start + timedelta(minutes=minutes), window_end)


def accepts_saves(deadline: datetime, now: datetime) -> bool:
    """Whether a save arriving ``now`` still counts: up to the deadline plus the grace."""
    return now <= deadline + grace()


def is_over(deadline: datetime, now: datetime, *, paused_at: datetime | None = None) -> bool:
    """Whether the part's time and grace are over (never while its room is paused)."""
    return paused_at is None and not accepts_saves(deadline, now)


def over_before(now: datetime) -> datetime:
    """Parts whose deadline is before this are over: for ``filter(deadline__lt=over_before(now))``."""
    return now - grace()


def ended_at(deadline: datetime, now: datetime) -> datetime:
    """When a part submitted by the clock ended: at its deadline, never later."""
    return min(now, deadline)


def remaining_seconds(deadline: datetime, now: datetime, *, paused_at: datetime | None = None) -> int:
    """Whole seconds left by the server's clock; frozen at ``paused_at`` while the room is paused."""
    return max(0, int((deadline - (paused_at or now)).total_seconds()))


class Window(Enum):
    BEFORE = "before"
    OPEN = "open"
    AFTER = "after"


def window_state(*, start: datetime, end: datetime, now: datetime) -> Window:
    """Where ``now`` falls in a sitting's written or practical window ``[start, end)``."""
    if now < start:
        return Window.BEFORE
    if now >= end:
        return Window.AFTER
    return Window.OPEN
