"""The exam day's hot reads as single statements: what a start and a save need to know (issue 17).

A whole sitting starts in the same minute and then saves an answer every few seconds per
candidate, so the reads behind a start and a save are written once here as plain SQL: one
round trip each, prepared on PostgreSQL (``execute``), with no ORM compilation per request.
They only read; every decision on what they return is made by the rules in
``exams.written.services`` and ``exams.clock``, on the fast path and the full path alike.

- :func:`attempt_layout`: an attempt's paper and the type and option count of each question,
  to validate a saved value before the save's statement writes it. Papers never change after
  assembly, so it is read once per attempt and web process.
- :func:`start_facts`: everything starting an attempt decides on (the enrolment, its sitting and
  window, the paper, an attempt already started, the level's minutes, an open pause of the room),
  optionally authenticated by an API token in the same statement.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from certify.people.models import ApiToken, Candidate, User
from certify.standard.models import LevelRule
from exams.papers.models import Paper, PaperItem
from exams.planning.models import Enrollment, Sitting
from exams.written.models import Attempt, RoomPause
from question_bank.models import ItemVersion

MAX_ID = 2**63 - 1  # a bigint primary key; beyond it a lookup finds nothing, as the ORM's would


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def token_join(candidate: str = "c") -> str:
    """Joins that keep only rows whose candidate ``candidate`` holds the API token named by two
    parameters: its key's SHA-256, and the moment at which it must be neither revoked nor expired;
    its user active and not bound to set a new password. The rules of
    ``certify.people.tokens.ExpiringTokenAuthentication``, in SQL, for the statements below and the
    save's (``exams.written.services``)."""
    return (
        f"JOIN {table(ApiToken)} tk ON tk.user_id = {candidate}.user_id AND tk.key_hash = %s "
        "AND tk.revoked_at IS NULL AND tk.expires_at > %s "
        f"JOIN {table(User)} u ON u.id = {candidate}.user_id AND u.is_active AND NOT u.password_must_change "
    )


def owner_join(owner: str, enrollment: str = "e") -> str:
    """Joins that keep only the enrolment ``enrollment``'s rows of one owner: ``"user"`` (a user id
    parameter), ``"token"`` (:func:`token_join`'s two parameters) or ``"any"`` (no join)."""
    candidate = f"JOIN {table(Candidate)} c ON c.id = {enrollment}.candidate_id "
    return {"any": "", "user": f"{candidate}AND c.user_id = %s ", "token": candidate + token_join()}[owner]


# Django keeps prepared statements off (prepare_threshold None) so that PgBouncer in transaction
# mode works. These statements are prepared on each kept connection when
# settings.DB_PREPARED_SAVE (PgBouncer from 1.21 with max_prepared_statements supports it):
# planning them was most of PostgreSQL's work for a save. Django's own queries stay client-side
# bound and unprepared: the threshold set here is never reached by a count, only by ``prepare=True``.
_NEVER_BY_COUNT = 2**62


def execute(sql: str, params: list, *, many: bool = False):
    """The first row (``many``: all rows) of ``sql`` on Django's connection, in autocommit or the
    caller's transaction; prepared on PostgreSQL when ``settings.DB_PREPARED_SAVE``."""
    if connection.vendor != "postgresql" or not settings.DB_PREPARED_SAVE:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if many else cursor.fetchone()
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _NEVER_BY_COUNT
    started = time.monotonic()
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(sql, params, prepare=True)
        rows = cursor.fetchall() if many else cursor.fetchone()
    if connection.queries_logged:  # as Django's debug cursor logs its own (tests count queries)
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
    return rows


def as_datetime(value) -> datetime | None:
    """A timestamp column read by ``execute``: aware, in UTC (SQLite returns text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


# --- An attempt's paper layout ------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """What validating a save needs of one question: immutable once the paper is assembled."""

    type: str
    option_count: int


@dataclass(frozen=True)
class Layout:
    paper_id: int
    fingerprint: str
    slots: dict[int, Slot]


# attempt id -> its layout. A stale entry (a reused id in a rolled-back test database) only makes
# the save's statement write nothing, since it checks the paper's id and fingerprint itself.
_layouts: dict[int, Layout] = {}
_LAYOUTS_MAX = 50_000


def attempt_layout(attempt_id: int, *, fresh: bool = False) -> Layout | None:
    """The attempt's paper and its questions by position, read once per process (``fresh``: read
    again, as the full path does); None for no such attempt (or a paper without questions)."""
    layout = None if fresh else _layouts.get(attempt_id)
    if layout is not None or not 0 < attempt_id <= MAX_ID:
        return layout
    sql = _layout_sql.get(connection.vendor)
    if sql is None:
        sql = _layout_sql[connection.vendor] = (
            f"SELECT p.id, p.fingerprint, pi.position, iv.type, pi.option_order FROM {table(Attempt)} at "
            f"JOIN {table(Paper)} p ON p.id = at.paper_id "
            f"JOIN {table(PaperItem)} pi ON pi.paper_id = p.id "
            f"JOIN {table(ItemVersion)} iv ON iv.id = pi.item_version_id "
            "WHERE at.id = %s"
        )
    rows = execute(sql, [attempt_id], many=True)
    if not rows:
        return None
    slots = {position: Slot(kind, len(_json(order) or ())) for _p, _f, position, kind, order in rows}
    layout = Layout(rows[0][0], rows[0][1], slots)
    if len(_layouts) >= _LAYOUTS_MAX:
        _layouts.clear()
    _layouts[attempt_id] = layout
    return layout


_layout_sql: dict[str, str] = {}


# --- What a start decides on ---------------------------------------------------------------------


@dataclass(frozen=True)
class StartFacts:
    enrollment_id: int
    user_id: int
    enrollment_status: str
    sitting_status: str
    written_start: datetime
    written_end: datetime
    level: int
    standard_version_id: int
    paper_id: int | None
    paper_fingerprint: str | None
    attempt_id: int | None
    written_minutes: int | None  # the level's rule in the sitting's standard version, if any
    paused_at: datetime | None  # when the candidate's written room was paused, if it is now


def start_facts(
    enrollment_id: int, *, token_digest: str | None = None, now: datetime | None = None
) -> StartFacts | None:
    """What starting the enrolment decides on, in one statement; None if there is no such
    enrolment (or, with ``token_digest``, when the token is unknown, revoked or expired at ``now``,
    its user inactive or bound to set a new password, or the enrolment not its user's)."""
    if not 0 < enrollment_id <= MAX_ID:
        return None
    token = token_digest is not None
    key = (connection.vendor, token)
    sql = _start_sql.get(key)
    if sql is None:
        sql = _start_sql[key] = _start_statement(token)
    at = connection.ops.adapt_datetimefield_value
    params = [token_digest, at(now or timezone.now()), enrollment_id] if token else [enrollment_id]
    row = execute(sql, params)
    if row is None:
        return None
    facts = StartFacts(*row)
    return replace(
        facts,
        written_start=as_datetime(facts.written_start),
        written_end=as_datetime(facts.written_end),
        paused_at=as_datetime(facts.paused_at),
    )


_start_sql: dict[tuple[str, bool], str] = {}


def _start_statement(token: bool) -> str:
    authenticated = token_join() if token else ""
    return (
        "SELECT e.id, c.user_id, e.status, s.status, s.written_start, s.written_end, s.level, "
        "s.standard_version_id, p.id, p.fingerprint, at.id, "
        f"(SELECT lr.written_minutes FROM {table(LevelRule)} lr "
        "WHERE lr.version_id = s.standard_version_id AND lr.level = s.level), "
        f"(SELECT MIN(rp.started_at) FROM {table(RoomPause)} rp "
        "WHERE rp.room_id = e.written_room_id AND rp.ended_at IS NULL) "
        f"FROM {table(Enrollment)} e "
        f"JOIN {table(Sitting)} s ON s.id = e.sitting_id "
        f"JOIN {table(Candidate)} c ON c.id = e.candidate_id "
        f"{authenticated}"
        f"LEFT JOIN {table(Paper)} p ON p.enrollment_id = e.id "
        f"LEFT JOIN {table(Attempt)} at ON at.enrollment_id = e.id "
        "WHERE e.id = %s"
    )


# --- An attempt's clock ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockFacts:
    status: str
    deadline: datetime
    paused_at: datetime | None  # when the candidate's written room was paused, if it is now
    room_id: int | None


def clock_facts(
    attempt_id: int, *, user_id: int | None = None, token_digest: str | None = None, now: datetime | None = None
) -> ClockFacts | None:
    """An attempt's status, deadline, room and the room's open pause in one statement; None if there
    is no such attempt of the owner (``user_id``, or ``token_digest`` valid at ``now``; neither:
    anyone's). The page asks for its clock every 15 seconds, and all at once at the deadline."""
    if not 0 < attempt_id <= MAX_ID:
        return None
    owner = "token" if token_digest is not None else "user" if user_id is not None else "any"
    key = (connection.vendor, owner)
    sql = _clock_sql.get(key)
    if sql is None:
        sql = _clock_sql[key] = (
            "SELECT at.status, at.deadline, "
            f"(SELECT MIN(rp.started_at) FROM {table(RoomPause)} rp "
            "WHERE rp.room_id = e.written_room_id AND rp.ended_at IS NULL), e.written_room_id "
            f"FROM {table(Attempt)} at JOIN {table(Enrollment)} e ON e.id = at.enrollment_id "
            f"{owner_join(owner)}"
            "WHERE at.id = %s"
        )
    at = connection.ops.adapt_datetimefield_value
    params = {"token": [token_digest, at(now or timezone.now())], "user": [user_id], "any": []}[owner]
    row = execute(sql, [*params, attempt_id])
    if row is None:
        return None
    status, deadline, paused_at, room_id = row
    return ClockFacts(status, as_datetime(deadline), as_datetime(paused_at), room_id)


_clock_sql: dict[tuple[str, str], str] = {}
