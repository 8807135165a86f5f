"""The written exam in progress: starting, saving answers, submitting and grading.

Time contract: the server's clock is the only one. ``deadline`` = start +
duration, never past the window's end, plus extra time. A save is accepted up to
``deadline + SAVE_GRACE`` (requests already in flight when time ran out); after
that it is refused and the attempt is submitted. Every function that touches an
attempt first finalises it if its time is over, so correctness never waits for a
task or a sweep; those only make it happen sooner.

Concurrency: saves and submission lock the attempt row (``select_for_update``),
so a save racing the submit, two submits, or a submit racing the sweep leave one
consistent result.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from exams.models import (
    Answer,
    Attempt,
    AttemptStatus,
    Enrollment,
    EnrollmentStatus,
    PaperItem,
    RoomPause,
    SittingStatus,
    SubmittedBy,
)
from question_bank.models import OPTION_LETTERS, MultiplePolicy

MAX_TEXT_ANSWER = 5000
logger = logging.getLogger(__name__)


def save_grace() -> timedelta:
    return timedelta(seconds=settings.CERTIFY_SAVE_GRACE_SECONDS)


class AttemptClosed(ValidationError):
    """A save or submit that came too late, or to a submitted attempt."""


class AttemptPaused(ValidationError):
    """The room is paused: nothing changes until an examiner resumes it."""


def paused_since(attempt: Attempt) -> datetime | None:
    """When the attempt's room was paused, if it is paused now."""
    return (
        RoomPause.objects.filter(room_id=attempt.enrollment.written_room_id, ended_at__isnull=True)
        .values_list("started_at", flat=True)
        .first()
    )


def remaining_seconds(attempt: Attempt, now: datetime) -> int:
    """Seconds left by the server's clock; frozen at the pause while the room is paused."""
    paused = paused_since(attempt)
    return max(0, int((attempt.deadline - (paused or now)).total_seconds()))


def is_expired(attempt: Attempt, now: datetime) -> bool:
    return now > attempt.deadline + save_grace() and paused_since(attempt) is None


@transaction.atomic
def attempt_start(*, enrollment: Enrollment, user, now: datetime | None = None) -> Attempt:
    """Start (or resume) the candidate's attempt. Resuming returns the same attempt and deadline."""
    now = now or timezone.now()
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("sitting__standard_version", "candidate")
        .get(pk=enrollment.pk)
    )
    if enrollment.candidate.user_id != user.pk:
        raise PermissionDenied(_("这不是您的考试"))
    existing = Attempt.objects.filter(enrollment=enrollment).first()
    if existing is not None:
        attempt_finalize_if_expired(attempt=existing, now=now)
        existing.refresh_from_db()
        return existing
    sitting = enrollment.sitting
    if enrollment.status != EnrollmentStatus.ENROLLED:
        raise ValidationError(_("您的报名已撤销"))
    if sitting.status != SittingStatus.IN_PROGRESS:
        raise ValidationError(_("考试尚未开始，请等待考评员开考"))
    if now < sitting.written_start:
        raise ValidationError(
            _("考试将于 %(time)s 开始") % {"time": timezone.localtime(sitting.written_start).strftime("%H:%M")}
        )
    if now >= sitting.written_end:
        raise ValidationError(_("笔试时间段已结束，不能再开始答题"))
    paper = getattr(enrollment, "paper", None)
    if paper is None:
        raise ValidationError(_("您的试卷尚未生成，请联系考评员"))
    minutes = sitting.standard_version.rule_for(sitting.level).written_minutes
    deadline = min(now + timedelta(minutes=minutes), sitting.written_end)
    attempt = Attempt.objects.create(enrollment=enrollment, paper=paper, started_at=now, deadline=deadline)
    transaction.on_commit(lambda: _schedule_deadline(attempt))
    return attempt


def _schedule_deadline(attempt: Attempt) -> None:
    from exams.tasks import finalize_attempt

    try:
        finalize_attempt.apply_async((attempt.pk,), eta=attempt.deadline + save_grace())
    except Exception:
        # The broker may be down: the sweep and the next request still finalise the attempt.
        logger.warning("could not schedule the deadline task of attempt %s", attempt.pk, exc_info=True)


def _paper_item(attempt: Attempt, position: int) -> PaperItem:
    item = PaperItem.objects.select_related("item_version").filter(paper_id=attempt.paper_id, position=position).first()
    if item is None:
        raise ValidationError(_("第 %(n)s 题不在您的试卷上") % {"n": position})
    return item


def clean_response(item: PaperItem, value) -> list[str] | str:
    """The answer as stored: shown letters for choice items, text for situational ones."""
    kind = item.item_version.type
    if kind == "situational":
        if not isinstance(value, str):
            raise ValidationError(_("情景分析题的答案应为文字"))
        if len(value) > MAX_TEXT_ANSWER:
            raise ValidationError(_("答案不能超过 %(n)s 字") % {"n": MAX_TEXT_ANSWER})
        return value
    if not isinstance(value, list) or not all(isinstance(letter, str) for letter in value):
        raise ValidationError(_('选择题的答案应为选项字母列表，例如 ["B"]'))
    shown = OPTION_LETTERS[: len(item.option_order)]
    letters = sorted(set(value))
    if len(letters) != len(value) or any(letter not in shown for letter in letters):
        raise ValidationError(
            _("答案只能是本题的选项 %(letters)s 中的字母，且不能重复") % {"letters": "、".join(shown)}
        )
    if kind == "single" and len(letters) > 1:
        raise ValidationError(_("单选题只能选一个选项"))
    return letters


@dataclass(frozen=True)
class SaveAck:
    position: int
    seq: int
    applied: bool
    saved_at: datetime
    remaining_seconds: int


def answer_save(
    *, attempt: Attempt, position: int, value, seq: int, flagged: bool = False, now: datetime | None = None
) -> SaveAck:
    """Save one answer. An older ``seq`` than the stored one is acknowledged but not applied.

    Locks the attempt row: a save and a submit never interleave. A save after the
    deadline and grace submits the attempt (committed) and is then refused.
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.status == AttemptStatus.SUBMITTED:
            raise AttemptClosed(_("已交卷，不能再修改答案"))
        if paused_since(attempt) is not None:
            raise AttemptPaused(_("考场已暂停，请等待考评员恢复后继续作答"))
        if not is_expired(attempt, now):
            return _save_locked(attempt, position=position, value=value, seq=seq, flagged=flagged, now=now)
    attempt_submit(attempt=attempt, by=SubmittedBy.DEADLINE, now=now)
    raise AttemptClosed(_("考试时间已到，答卷已自动提交，本次修改未保存"))


def _save_locked(attempt: Attempt, *, position: int, value, seq: int, flagged: bool, now: datetime) -> SaveAck:
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ValidationError(_("保存序号必须是正整数"))
    item = _paper_item(attempt, position)
    response = clean_response(item, value)
    answer = Answer.objects.filter(attempt=attempt, position=position).first()
    if answer is not None and answer.seq >= seq:
        return SaveAck(position, answer.seq, False, answer.saved_at, remaining_seconds(attempt, now))
    if answer is None:
        answer = Answer.objects.create(
            attempt=attempt, position=position, response=response, seq=seq, saved_at=now, flagged=flagged
        )
    else:
        answer.response, answer.seq, answer.saved_at, answer.flagged = response, seq, now, flagged
        answer.save(update_fields=["response", "seq", "saved_at", "flagged"])
    return SaveAck(position, seq, True, now, remaining_seconds(attempt, now))


def grade_item(item: PaperItem, response, *, policy: str) -> Decimal | None:
    """Points for one objective answer; None for a situational one (marked by examiners)."""
    version = item.item_version
    if version.type == "situational":
        return None
    if not response:
        return Decimal(0)
    chosen = {item.option_order[OPTION_LETTERS.index(letter)] for letter in response}
    key = {OPTION_LETTERS.index(letter) for letter in version.answer}
    if chosen == key:
        return Decimal(item.points)
    if version.type == "multiple" and policy == MultiplePolicy.PARTIAL and chosen < key:
        return Decimal(item.points) / 2
    return Decimal(0)


def _submit_locked(attempt: Attempt, *, by: str, now: datetime) -> Attempt:
    policy = attempt.enrollment.sitting.blueprint.get("multiple_policy", MultiplePolicy.STRICT)
    answers = {a.position: a.response for a in attempt.answers.all()}
    total = Decimal(0)
    for item in PaperItem.objects.filter(paper_id=attempt.paper_id).select_related("item_version"):
        points = grade_item(item, answers.get(item.position), policy=policy)
        total += points or 0
    attempt.status = AttemptStatus.SUBMITTED
    attempt.submitted_at = now
    attempt.submitted_by = by
    attempt.objective_score = total
    attempt.save(update_fields=["status", "submitted_at", "submitted_by", "objective_score"])
    return attempt


@transaction.atomic
def attempt_submit(*, attempt: Attempt, by: str = SubmittedBy.CANDIDATE, now: datetime | None = None) -> Attempt:
    """Submit and grade the objective items. Idempotent: a second submit returns the first result."""
    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update(of=("self",)).select_related("enrollment__sitting").get(pk=attempt.pk)
    if attempt.status == AttemptStatus.SUBMITTED:
        return attempt
    if by == SubmittedBy.CANDIDATE and is_expired(attempt, now):
        by = SubmittedBy.DEADLINE
    return _submit_locked(attempt, by=by, now=min(now, attempt.deadline) if by == SubmittedBy.DEADLINE else now)


def attempt_finalize_if_expired(*, attempt: Attempt, now: datetime | None = None) -> bool:
    """Submit ``attempt`` if its time (and grace) is over. Returns whether it is submitted now."""
    now = now or timezone.now()
    if attempt.status == AttemptStatus.SUBMITTED:
        return True
    if not is_expired(attempt, now):
        return False
    attempt_submit(attempt=attempt, by=SubmittedBy.DEADLINE, now=now)
    return True


def attempts_finalize_expired(*, now: datetime | None = None, limit: int = 1000) -> int:
    """The periodic sweep: submit every attempt whose time and grace are over."""
    now = now or timezone.now()
    paused = RoomPause.objects.filter(room=OuterRef("enrollment__written_room"), ended_at__isnull=True)
    expired = (
        Attempt.objects.filter(status=AttemptStatus.IN_PROGRESS, deadline__lt=now - save_grace())
        .exclude(Exists(paused))
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in list(expired):
        attempt_submit(attempt=Attempt(pk=pk), by=SubmittedBy.DEADLINE, now=now)
        done += 1
    return done
