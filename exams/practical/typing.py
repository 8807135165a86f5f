"""文字阅录: the typing test, timed by the server like the written paper.

The candidate starts it inside the practical window; deadline = start + the level's
``typing_minutes`` (never past the window's end). The typed text is saved whole with a
sequence number (an older save never overwrites a newer one) up to the deadline plus
the save grace; after that the test is submitted and scored with the time used, on the text
as saved by the deadline (``text_at_deadline``: a save in the grace is kept, not scored)
(:func:`grading.scoring.typing.score_typing`). Submission is idempotent and locked.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from certify.bad_input import MAX_INT32, MAX_JS_INTEGER
from certify.people.models import User
from exams.clock import (
    AttemptClosed,
    SubmittedBy,
    accepts_saves,
    deadline_for,
    ended_at,
    is_over,
    over_before,
    remaining_seconds,
)
from exams.planning.models import Enrollment
from exams.planning.selectors import enrollment_lock_own
from exams.practical.models import PartStatus, Passage, TypingAttempt
from exams.practical.session import practical_window_check
from grading.scoring.typing import score_typing

MAX_TEXT_FACTOR = 3  # typed text may be at most 3× the passage: anything longer is not typing


def passage_pick(enrollment: Enrollment) -> Passage:
    """One of the level's passages; neighbours (consecutive enrolments) get different ones."""
    passages = list(Passage.objects.filter(level=enrollment.sitting.level, active=True).order_by("code"))
    if not passages:
        raise ValidationError(_("没有该级别的文字阅录文本，请先载入实操素材"))
    return passages[enrollment.pk % len(passages)]


@transaction.atomic
def typing_start(*, enrollment: Enrollment, user: User, now: datetime | None = None) -> TypingAttempt:
    """Start (or resume) the typing test. Resuming returns the same attempt and deadline."""
    now = now or timezone.now()
    enrollment = enrollment_lock_own(enrollment, user)
    existing = TypingAttempt.objects.filter(enrollment=enrollment).first()
    if existing is not None:
        return typing_finalize_if_expired(attempt=existing, now=now)
    practical_window_check(enrollment, user, now)
    sitting = enrollment.sitting
    minutes = sitting.standard_version.rule_for(sitting.level).typing_minutes
    return TypingAttempt.objects.create(
        enrollment=enrollment,
        passage=passage_pick(enrollment),
        started_at=now,
        deadline=deadline_for(start=now, minutes=minutes, window_end=sitting.practical_end),
    )


def _own(attempt_id: int, user: User | None):
    rows = TypingAttempt.objects.select_for_update(of=("self",)).filter(pk=attempt_id)
    if user is not None:
        rows = rows.filter(enrollment__candidate__user=user)
    return rows.select_related("passage", "enrollment__sitting__standard_version").get()


@dataclass(frozen=True)
class TypingAck:
    seq: int
    applied: bool
    saved_at: datetime
    remaining_seconds: int


def typing_save(
    *,
    attempt: TypingAttempt | int,
    text,
    seq,
    keystrokes=0,
    user: User | None = None,
    now: datetime | None = None,
) -> TypingAck:
    """Save the whole typed text. An older ``seq`` is acknowledged and ignored.

    ``user``, when given, must own the attempt (``TypingAttempt.DoesNotExist`` otherwise).
    """
    now = now or timezone.now()
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_JS_INTEGER:
        raise ValidationError(_("保存序号必须是正整数"))
    if not isinstance(text, str):
        raise ValidationError(_("录入内容应为文字"))
    if not isinstance(keystrokes, int) or isinstance(keystrokes, bool) or not 0 <= keystrokes <= MAX_INT32:
        raise ValidationError(_("击键次数应为不小于 0 的整数"))
    attempt_id = attempt if isinstance(attempt, int) else attempt.pk
    with transaction.atomic():
        locked = _own(attempt_id, user)
        if locked.status == PartStatus.SUBMITTED:
            raise AttemptClosed(_("文字阅录已提交，不能再修改"))
        if accepts_saves(locked.deadline, now):
            if len(text) > MAX_TEXT_FACTOR * len(locked.passage.text):
                raise ValidationError(_("录入内容过长：不能超过原文的 %(n)s 倍") % {"n": MAX_TEXT_FACTOR})
            remaining = remaining_seconds(locked.deadline, now)
            if seq <= locked.seq:
                return TypingAck(locked.seq, False, locked.saved_at, remaining)
            locked.text, locked.seq, locked.saved_at = text, seq, now
            locked.keystrokes = max(locked.keystrokes, keystrokes)
            fields = ["text", "seq", "saved_at", "keystrokes"]
            if now <= locked.deadline:
                locked.text_at_deadline = text
                fields.append("text_at_deadline")
            locked.save(update_fields=fields)
            return TypingAck(seq, True, now, remaining)
    typing_submit(attempt=locked, by=SubmittedBy.DEADLINE, now=now)
    raise AttemptClosed(_("文字阅录时间已到，已自动提交，本次修改未保存"))


@transaction.atomic
def typing_submit(
    *, attempt: TypingAttempt, by: str = SubmittedBy.CANDIDATE, now: datetime | None = None
) -> TypingAttempt:
    """Submit and score. Idempotent: a second submit returns the first result."""
    now = now or timezone.now()
    attempt = _own(attempt.pk, None)
    if attempt.status == PartStatus.SUBMITTED:
        return attempt
    if is_over(attempt.deadline, now):
        by = SubmittedBy.DEADLINE
    ended = ended_at(attempt.deadline, now)
    sitting = attempt.enrollment.sitting
    rule = sitting.standard_version.rule_for(sitting.level)
    result = score_typing(
        attempt.passage.text,
        attempt.text_at_deadline,  # only what was saved by the deadline counts
        seconds=(ended - attempt.started_at).total_seconds(),
        limit_minutes=rule.typing_minutes,
        target_cpm=rule.typing_target_cpm,
        accuracy_floor=rule.typing_accuracy_floor,
    )
    attempt.status = PartStatus.SUBMITTED
    attempt.submitted_at = ended
    attempt.submitted_by = by
    attempt.score = result.score
    attempt.result = {k: str(v) for k, v in asdict(result).items()}
    attempt.save(update_fields=["status", "submitted_at", "submitted_by", "score", "result"])
    return attempt


def typing_finalize_if_expired(*, attempt: TypingAttempt, now: datetime | None = None) -> TypingAttempt:
    now = now or timezone.now()
    if attempt.status == PartStatus.IN_PROGRESS and is_over(attempt.deadline, now):
        return typing_submit(attempt=attempt, by=SubmittedBy.DEADLINE, now=now)
    return attempt


def typing_finalize_expired(*, now: datetime | None = None, scope: dict | None = None) -> int:
    """The sweep: submit every typing test whose time and grace are over (within ``scope``)."""
    now = now or timezone.now()
    expired = TypingAttempt.objects.filter(
        status=PartStatus.IN_PROGRESS, deadline__lt=over_before(now), **(scope or {})
    )
    done = 0
    for attempt in expired.only("pk"):
        typing_submit(attempt=attempt, by=SubmittedBy.DEADLINE, now=now)
        done += 1
    return done


def typing_log_event(*, attempt_id: int, user: User, kind: str) -> None:
    field = {"paste": "pastes", "focus_loss": "focus_losses"}.get(kind)
    if field is None:
        raise ValidationError(_("未知的事件类型"))
    updated = TypingAttempt.objects.filter(pk=attempt_id, enrollment__candidate__user=user).update(
        **{field: F(field) + 1}
    )
    if not updated:
        raise TypingAttempt.DoesNotExist
