"""The written exam in progress: starting, saving answers, submitting and grading.

Time contract (the rules themselves are ``exams/clock.py``): the server's clock is the only
one; a save is accepted up to the deadline plus the grace, after that it is refused and the
attempt is submitted, dated at its deadline. Every function that touches an
attempt first finalises it if its time is over, so correctness never waits for a
task or a sweep; those only make it happen sooner.

Concurrency: saves and submission lock the attempt row (``select_for_update``),
so a save racing the submit, two submits, or a submit racing the sweep leave one
consistent result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from certify.bad_input import MAX_JS_INTEGER
from certify.jobs import enqueue_on_commit
from certify.standard.models import StandardVersion
from exams.clock import (
    AttemptClosed,
    AttemptPaused,
    SubmittedBy,
    Window,
    accepts_saves,
    deadline_for,
    ended_at,
    is_over,
    over_before,
    remaining_seconds,
    window_state,
)
from exams.papers.models import Assembly, Paper, PaperItem
from exams.planning.models import Enrollment, EnrollmentStatus, SittingStatus
from exams.written.models import Answer, Attempt, AttemptStatus, RoomPause
from exams.written.statements import (
    Slot,
    StartFacts,
    as_datetime,
    attempt_layout,
    clock_facts,
    execute,
    owner_join,
    start_facts,
    table,
)
from grading.scoring.objective import grade_response
from question_bank.models import OPTION_LETTERS, MultiplePolicy

MAX_TEXT_ANSWER = 5000


def paused_since(attempt: Attempt) -> datetime | None:
    """When the attempt's room was paused, if it is paused now."""
    return (
        RoomPause.objects.filter(room_id=attempt.enrollment.written_room_id, ended_at__isnull=True)
        .values_list("started_at", flat=True)
        .first()
    )


def attempt_remaining_seconds(attempt: Attempt, now: datetime) -> int:
    """Seconds left by the server's clock; frozen at the pause while the room is paused."""
    return remaining_seconds(attempt.deadline, now, paused_at=paused_since(attempt))


def is_expired(attempt: Attempt, now: datetime) -> bool:
    """Whether the attempt's time and grace are over (never while its room is paused)."""
    return is_over(attempt.deadline, now) and paused_since(attempt) is None


def attempt_start(*, enrollment: Enrollment, user, now: datetime | None = None) -> Attempt:
    """Start (or resume) the candidate's attempt. Resuming returns the same attempt and deadline."""
    return attempt_start_state(enrollment=enrollment, user=user, now=now).attempt


@dataclass(frozen=True)
class Started:
    """``attempt_start_state``'s result: the attempt, and for a new one what its first response
    needs without asking again (no answers yet; the room's pause as read when it started)."""

    attempt: Attempt
    new: bool
    paused_at: datetime | None = None


def attempt_start_state(*, enrollment: Enrollment, user, now: datetime | None = None) -> Started:
    """``attempt_start``, telling a new attempt from a resumed one.

    A whole sitting starts in the same minute, so a new start is two round trips (issue 17): one
    read of everything the start decides on (``start_facts``: the enrolment, its sitting, the
    paper, an attempt already started, the level's minutes, an open pause of the room) and the
    insert. No row lock: two tabs starting at once are told apart by the one-attempt-per-enrolment
    constraint, and the second returns the first's attempt. Nothing is enqueued (the deadline is
    the 5-second sweep's and the next request's). ``enrollment`` needs only its pk; another's is
    ``PermissionDenied``, an unknown one ``Enrollment.DoesNotExist``.
    """
    now = now or timezone.now()
    facts = start_facts(enrollment.pk)
    if facts is None:
        raise Enrollment.DoesNotExist
    if facts.user_id != user.pk:
        raise PermissionDenied(_("这不是您的考试"))
    if facts.attempt_id is not None:
        return Started(_resumed(Attempt.objects.select_related("paper").get(pk=facts.attempt_id), now), new=False)
    deadline = start_deadline(facts, now)
    try:
        with transaction.atomic():
            attempt = _attempt_insert(facts, now, deadline)
    except IntegrityError:  # another tab started it a moment ago
        if not Attempt.objects.filter(enrollment_id=facts.enrollment_id).exists():
            raise
        started = Attempt.objects.select_related("paper").get(enrollment_id=facts.enrollment_id)
        return Started(_resumed(started, now), new=False)
    return Started(attempt, new=True, paused_at=facts.paused_at)


def attempt_start_fast(*, enrollment_id: int, token_digest: str, now: datetime | None = None) -> Started | None:
    """A new attempt for the API token's own enrolment in two statements, or None when this is not
    the common case (an unknown token or enrolment, an attempt already started, a start the rules
    refuse, another tab's insert first): then the caller runs :func:`attempt_start_state`, which
    decides with its messages. The rules are the same: ``start_deadline``."""
    now = now or timezone.now()
    facts = start_facts(enrollment_id, token_digest=token_digest, now=now)
    if facts is None or facts.attempt_id is not None:
        return None
    try:
        deadline = start_deadline(facts, now)
    except ValidationError:
        return None
    try:
        attempt = _attempt_insert(facts, now, deadline)  # autocommit: one statement
    except IntegrityError:
        return None
    return Started(attempt, new=True, paused_at=facts.paused_at)


def start_deadline(facts: StartFacts, now: datetime) -> datetime:
    """The deadline of an attempt started ``now``, or the reason it cannot start (``ValidationError``)."""
    if facts.enrollment_status != EnrollmentStatus.ENROLLED:
        raise ValidationError(_("您的报名已撤销"))
    if facts.sitting_status != SittingStatus.IN_PROGRESS:
        raise ValidationError(_("考试尚未开始，请等待考评员开考"))
    window = window_state(start=facts.written_start, end=facts.written_end, now=now)
    if window == Window.BEFORE:
        raise ValidationError(
            _("考试将于 %(time)s 开始") % {"time": timezone.localtime(facts.written_start).strftime("%H:%M")}
        )
    if window == Window.AFTER:
        raise ValidationError(_("笔试时间段已结束，不能再开始答题"))
    if facts.paper_id is None:
        raise ValidationError(_("您的试卷尚未生成，请联系考评员"))
    minutes = facts.written_minutes
    if minutes is None:  # no rule for the level: the standard's own error
        minutes = StandardVersion.objects.get(pk=facts.standard_version_id).rule_for(facts.level).written_minutes
    return deadline_for(start=now, minutes=minutes, window_end=facts.written_end)


def _attempt_insert(facts: StartFacts, now: datetime, deadline: datetime) -> Attempt:
    # No task at the deadline: 60–90 minutes ahead is past Redis's visibility timeout (the
    # message would be redelivered and held in worker memory). The 5-second sweep (beat) and the
    # next request that shows the attempt finalise it on time. The paper is the one read with the
    # facts (its other fields load if asked for).
    paper = Paper.from_db(connection.alias, ["id", "fingerprint"], [facts.paper_id, facts.paper_fingerprint])
    return Attempt.objects.create(enrollment_id=facts.enrollment_id, paper=paper, started_at=now, deadline=deadline)


def _resumed(attempt: Attempt, now: datetime) -> Attempt:
    attempt_finalize_if_expired(attempt=attempt, now=now)
    attempt.refresh_from_db()
    return attempt


def _slot(slots: dict[int, Slot], position: int) -> Slot:
    slot = slots.get(position)
    if slot is None:
        raise ValidationError(_("第 %(n)s 题不在您的试卷上") % {"n": position})
    return slot


def clean_response(slot: Slot, value) -> list[str] | str:
    """The answer as stored: shown letters for choice items, text for situational ones."""
    kind = slot.type
    if kind == "situational":
        if not isinstance(value, str):
            raise ValidationError(_("情景分析题的答案应为文字"))
        if len(value) > MAX_TEXT_ANSWER:
            raise ValidationError(_("答案不能超过 %(n)s 字") % {"n": MAX_TEXT_ANSWER})
        return value
    if not isinstance(value, list) or not all(isinstance(letter, str) for letter in value):
        raise ValidationError(_('选择题的答案应为选项字母列表，例如 ["B"]'))
    shown = OPTION_LETTERS[: slot.option_count]
    letters = sorted(set(value))
    if len(letters) != len(value) or any(letter not in shown for letter in letters):
        raise ValidationError(
            _("答案只能是本题的选项 %(letters)s 中的字母，且不能重复") % {"letters": "、".join(shown)}
        )
    if kind == "single" and len(letters) > 1:
        raise ValidationError(_("单选题只能选一个选项"))
    return letters


def _with_pause(rows):
    """``rows`` of Attempt annotated with ``paused_at``: when its room was paused, if it is paused now."""
    open_pause = RoomPause.objects.filter(room=OuterRef("enrollment__written_room"), ended_at__isnull=True)
    return rows.annotate(paused_at=Subquery(open_pause.values("started_at")[:1]))


@dataclass(frozen=True)
class Clock:
    status: str
    paused: bool
    remaining_seconds: int


def attempt_clock(
    *, attempt: Attempt | int, user=None, token_digest: str | None = None, now: datetime | None = None
) -> Clock:
    """The server's clock for one attempt in one statement; finalises the attempt if its time is over.

    The page asks every 15 seconds and after every reconnect, so this is the second hottest path
    of an exam day (answered at the WSGI edge with a token, ``exams.written.fast_api``).
    ``user`` or ``token_digest`` (an API key's SHA-256, valid at ``now``), when given, must own
    the attempt: ``Attempt.DoesNotExist`` otherwise.
    """
    now = now or timezone.now()
    attempt_id = attempt if isinstance(attempt, int) else attempt.pk
    user_id = user.pk if user is not None else None
    facts = clock_facts(attempt_id, user_id=user_id, token_digest=token_digest, now=now)
    if facts is None:
        raise Attempt.DoesNotExist
    status = facts.status
    if status == AttemptStatus.IN_PROGRESS and is_over(facts.deadline, now, paused_at=facts.paused_at):
        status = _finalize_with_room(attempt_id, facts.room_id, now).status
    if status != AttemptStatus.IN_PROGRESS:
        return Clock(status, False, 0)
    return Clock(status, facts.paused_at is not None, remaining_seconds(facts.deadline, now, paused_at=facts.paused_at))


@dataclass(frozen=True)
class SaveAck:
    position: int
    seq: int
    applied: bool
    saved_at: datetime
    remaining_seconds: int


def answer_save(
    *,
    attempt: Attempt | int,
    position: int,
    value,
    seq: int,
    flagged: bool = False,
    user=None,
    now: datetime | None = None,
) -> SaveAck:
    """Save one answer. An older ``seq`` than the stored one is acknowledged but not applied.

    The hot path of an exam day: an accepted save is one statement (:func:`answer_save_fast`).
    Only when that writes nothing does this path decide, with one locking read. The read
    locks the attempt row, checks the owner (``user``, when given: anyone else gets
    ``Attempt.DoesNotExist``) and reads the room's pause in the same query; a save and a
    submit never interleave. The upsert only overwrites a stored answer with an older
    sequence number. A save after the deadline and grace submits the attempt
    (committed) and is then refused.
    """
    now = now or timezone.now()
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_JS_INTEGER:
        raise ValidationError(_("保存序号必须是正整数"))
    attempt_id = attempt if isinstance(attempt, int) else attempt.pk
    user_id = user.pk if user is not None else None
    ack = answer_save_fast(
        attempt_id=attempt_id, position=position, value=value, seq=seq, flagged=flagged, user_id=user_id, now=now
    )
    if ack is not None:
        return ack
    # The rare cases, told apart: the attempt row locked, read with its owner and room pause.
    with transaction.atomic():
        rows = Attempt.objects.select_for_update(of=("self",)).filter(pk=attempt_id)
        if user is not None:
            rows = rows.filter(enrollment__candidate__user=user)
        state = _with_pause(rows).values("status", "deadline", "paused_at", "enrollment__written_room_id").get()
        if state["status"] == AttemptStatus.SUBMITTED:
            raise AttemptClosed(_("已交卷，不能再修改答案"))
        if state["paused_at"] is not None:
            raise AttemptPaused(_("考场已暂停，请等待考评员恢复后继续作答"))
        deadline = state["deadline"]
        if accepts_saves(deadline, now):
            layout = attempt_layout(attempt_id, fresh=True)
            slot = _slot(layout.slots if layout else {}, position)
            response = clean_response(slot, value)
            stored_seq, saved_at, applied = _upsert_answer(attempt_id, position, response, seq, flagged, now)
            remaining = remaining_seconds(deadline, now)
            return SaveAck(position, stored_seq, applied, saved_at, remaining)
    _finalize_with_room(attempt_id, state["enrollment__written_room_id"], now)
    raise AttemptClosed(_("考试时间已到，答卷已自动提交，本次修改未保存"))


def _upsert_answer(attempt_id: int, position: int, response, seq: int, flagged: bool, now: datetime):
    """Insert or overwrite one answer unless the stored one has a newer ``seq``; one statement.

    Returns the stored (seq, saved_at) after the statement and whether this save was applied.
    PostgreSQL and SQLite share the ``ON CONFLICT … DO UPDATE … WHERE`` syntax.
    """
    table = connection.ops.quote_name(Answer._meta.db_table)
    prep = {name: Answer._meta.get_field(name).get_db_prep_value for name in ("response", "saved_at")}
    params = [attempt_id, position, prep["response"](response, connection), seq, prep["saved_at"](now, connection)]
    params.append(flagged)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (attempt_id, position, response, seq, saved_at, flagged) "
            "VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (attempt_id, position) DO UPDATE SET response = excluded.response, "
            "seq = excluded.seq, saved_at = excluded.saved_at, flagged = excluded.flagged "
            f"WHERE {table}.seq < excluded.seq RETURNING seq",
            params,
        )
        if cursor.fetchone() is not None:
            return seq, now, True
    stored = Answer.objects.filter(attempt_id=attempt_id, position=position).values_list("seq", "saved_at").get()
    return *stored, False


# --- The save's fast path -------------------------------------------------------------------
#
# A save that is going to be accepted is one statement: the attempt row is found through its
# owner (a user id, or an API token that is neither revoked nor expired, of an active user who
# need not set a new password), it must be in progress, on the paper this process validated the
# value against, in no paused room and within the deadline plus the grace
# (``exams.clock.over_before``); the answer is then upserted unless the stored one has a newer
# seq. On PostgreSQL the attempt row is share-locked (``FOR SHARE OF``): saves of one attempt do
# not wait for each other, a submit (``FOR UPDATE``) still excludes them, and a submit that
# commits while a save waits makes the save see the attempt submitted. SQLite runs the
# statement under its single writer lock.
#
# When the statement writes nothing (another's attempt, submitted, paused, past the grace, an
# older seq, an unknown or expired token, a paper this process does not know yet), the caller
# falls back to the full path, which tells the cases apart with their messages. So the rules
# are the full path's; the statement only recognises the common case in one round trip.

FastOwner = Literal["any", "user", "token"]
_fast_sql: dict[tuple[str, str], str] = {}


def _fast_statement(owner: FastOwner) -> str:
    key = (connection.vendor, owner)
    sql = _fast_sql.get(key)
    if sql is not None:
        return sql
    answer = table(Answer)
    joins = owner_join(owner)
    share_lock = " FOR SHARE OF at" if connection.vendor == "postgresql" else ""
    sql = (
        f"INSERT INTO {answer} (attempt_id, position, response, seq, saved_at, flagged) "
        "SELECT at.id, %s, %s, %s, %s, %s "
        f"FROM {table(Attempt)} at "
        f"JOIN {table(Enrollment)} e ON e.id = at.enrollment_id "
        f"JOIN {table(Paper)} p ON p.id = at.paper_id "
        f"{joins} "
        "WHERE at.id = %s AND p.id = %s AND p.fingerprint = %s AND at.status = %s AND at.deadline >= %s "
        f"AND NOT EXISTS (SELECT 1 FROM {table(RoomPause)} rp "
        "WHERE rp.room_id = e.written_room_id AND rp.ended_at IS NULL)"
        f"{share_lock} "
        "ON CONFLICT (attempt_id, position) DO UPDATE SET response = excluded.response, "
        "seq = excluded.seq, saved_at = excluded.saved_at, flagged = excluded.flagged "
        f"WHERE {answer}.seq < excluded.seq "
        f"RETURNING {answer}.seq, (SELECT deadline FROM {table(Attempt)} WHERE id = {answer}.attempt_id)"
    )
    _fast_sql[key] = sql
    return sql


def answer_save_fast(
    *,
    attempt_id: int,
    position: int,
    value,
    seq: int,
    flagged: bool = False,
    user_id: int | None = None,
    token_digest: str | None = None,
    now: datetime | None = None,
) -> SaveAck | None:
    """The common save in one statement, or None when it does not apply (see above): then the
    caller runs :func:`answer_save`, which decides. ``user_id`` or ``token_digest`` (the SHA-256
    of an API key, ``certify.people.tokens.key_digest``) names the owner; neither: anyone."""
    now = now or timezone.now()
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_JS_INTEGER:
        return None
    layout = attempt_layout(attempt_id)
    if layout is None:
        return None
    slot = layout.slots.get(position)
    if slot is None:
        return None
    try:
        response = clean_response(slot, value)
    except ValidationError:
        return None
    at = connection.ops.adapt_datetimefield_value
    params = [position, Answer._meta.get_field("response").get_db_prep_value(response, connection), seq, at(now)]
    params.append(flagged)
    if token_digest is not None:
        owner, params = "token", [*params, token_digest, at(now)]
    elif user_id is not None:
        owner, params = "user", [*params, user_id]
    else:
        owner = "any"
    params += [attempt_id, layout.paper_id, layout.fingerprint, AttemptStatus.IN_PROGRESS, at(over_before(now))]
    row = execute(_fast_statement(owner), params)
    if row is None:
        return None
    stored_seq, deadline = row
    return SaveAck(position, stored_seq, True, now, remaining_seconds(as_datetime(deadline), now))


def _submit_locked(attempts: list[Attempt], *, by: str, now: datetime) -> None:
    """Grade and submit ``attempts`` (rows already locked) with a handful of queries, whatever their number.

    A deadline submission is dated at the deadline, never later.
    """
    if not attempts:
        return
    sittings = {a.enrollment.sitting_id for a in attempts}
    partial_credit = {
        sitting_id: blueprint.get("multiple_policy", MultiplePolicy.STRICT) == MultiplePolicy.PARTIAL
        for sitting_id, blueprint in Assembly.objects.filter(sitting__in=sittings).values_list(
            "sitting_id", "blueprint"
        )
    }
    items: dict[int, list[tuple]] = {}
    rows = PaperItem.objects.filter(paper_id__in={a.paper_id for a in attempts}).values_list(
        "paper_id", "position", "item_version__type", "item_version__answer", "option_order", "points"
    )
    for paper_id, *item in rows:
        items.setdefault(paper_id, []).append(item)
    responses: dict[int, dict[int, object]] = {}
    answer_rows = Answer.objects.filter(attempt__in=attempts).values_list("attempt_id", "position", "response")
    for attempt_id, position, response in answer_rows:
        responses.setdefault(attempt_id, {})[position] = response
    for attempt in attempts:
        partial = partial_credit.get(attempt.enrollment.sitting_id, False)
        given = responses.get(attempt.pk, {})
        attempt.objective_score = sum(
            grade_response(kind, key, order, points, given.get(position), partial=partial) or Decimal(0)
            for position, kind, key, order, points in items.get(attempt.paper_id, [])
        )
        attempt.status = AttemptStatus.SUBMITTED
        attempt.submitted_by = by
        attempt.submitted_at = ended_at(attempt.deadline, now) if by == SubmittedBy.DEADLINE else now
    Attempt.objects.bulk_update(attempts, ["status", "submitted_at", "submitted_by", "objective_score"], batch_size=500)
    # The situational answers become marking scripts (grading). Only sooner: the marking sweep and
    # the marking pages make any that this misses.
    enqueue_on_commit("grading.tasks.create_scripts", [a.pk for a in attempts], quiet=True)


@transaction.atomic
def attempt_submit(*, attempt: Attempt, by: str = SubmittedBy.CANDIDATE, now: datetime | None = None) -> Attempt:
    """Submit and grade the objective items. Idempotent: a second submit returns the first result."""
    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update(of=("self",)).select_related("enrollment__sitting").get(pk=attempt.pk)
    if attempt.status == AttemptStatus.SUBMITTED:
        return attempt
    if by == SubmittedBy.CANDIDATE and is_expired(attempt, now):
        by = SubmittedBy.DEADLINE
    _submit_locked([attempt], by=by, now=now)
    return attempt


def attempt_finalize_if_expired(*, attempt: Attempt, now: datetime | None = None) -> bool:
    """Submit ``attempt`` if its time (and grace) is over. Returns whether it is submitted now."""
    now = now or timezone.now()
    if attempt.status == AttemptStatus.SUBMITTED:
        return True
    if not is_expired(attempt, now):
        return False
    _finalize_with_room(attempt.pk, attempt.enrollment.written_room_id, now)
    return True


# At the deadline every page in a room asks at about the same moment. A request that finds its
# attempt past its time and grace therefore submits its room's expired attempts in one batch,
# as the sweep would (the sweep's cost per attempt is a sixth of a lone submit's), and the other
# pages of that room find theirs submitted. One batch at most, so no request takes long.
ROOM_BATCH = 100


def _finalize_with_room(attempt_id: int, room_id: int | None, now: datetime) -> Attempt:
    """Submit (at its deadline) the expired attempt ``attempt_id`` with its written room's others."""
    attempts_finalize_expired(now=now, scope={"enrollment__written_room_id": room_id}, batch=ROOM_BATCH, batches=1)
    # Its own row, whether the batch took it, another request's batch holds it (this waits for
    # that to commit and finds it submitted) or it was not in the batch.
    return attempt_submit(attempt=Attempt(pk=attempt_id), by=SubmittedBy.DEADLINE, now=now)


def attempts_finalize_expired(
    *, now: datetime | None = None, batch: int = 500, batches: int | None = None, scope: dict | None = None
) -> int:
    """The periodic sweep: submit and grade every attempt whose time and grace are over.

    ``scope`` narrows it (``{"enrollment__written_room": room}``): a page that shows attempts'
    states runs it first for what it shows, so nothing it shows is still open past its time.
    ``batches`` stops it after that many batches (a request's share of the work).
    Works in batches of locked rows; rows another sweep (or a save, or a submit) holds
    are skipped, so two sweeps share the work instead of waiting for each other.
    """
    now = now or timezone.now()
    paused = RoomPause.objects.filter(room=OuterRef("enrollment__written_room"), ended_at__isnull=True)
    expired = (
        Attempt.objects.filter(status=AttemptStatus.IN_PROGRESS, deadline__lt=over_before(now), **(scope or {}))
        .exclude(Exists(paused))
        .select_related("enrollment")
        .order_by("deadline", "pk")
    )
    if connection.features.has_select_for_update_skip_locked:
        expired = expired.select_for_update(skip_locked=True, of=("self",))
    done = rounds = 0
    while True:
        with transaction.atomic():
            attempts = list(expired[:batch])
            _submit_locked(attempts, by=SubmittedBy.DEADLINE, now=now)
        done += len(attempts)
        rounds += 1
        if len(attempts) < batch or rounds == batches:
            return done
