"""The floor of the answer save: two bare WSGI apps that ``bench/floor.py`` serves beside the project.

``f0``: reads the request body and answers 200. What the server and the client cost alone.

``f1``: the save's whole semantics in one SQL statement with psycopg 3, no framework.
It answers ``PUT /api/attempts/<id>/answers/<position>/`` like the project's endpoint:
the API token from ``Authorization: Token …`` (its SHA-256 stored, not revoked, not
expired, of an active user), the attempt is that user's, ``in_progress``, its written
room has no open pause, ``now <= deadline + grace``,
the position is on the paper and the value fits the question (letters of its options,
one for single choice; text for situational), then the answer is upserted unless the
stored one has a newer ``seq``. The attempt row is share-locked (``FOR SHARE``): saves
of one attempt do not wait for each other, a submit (``FOR UPDATE``) still excludes
them. One connection per thread, kept open, autocommit, no health check per request:
the statement is its own transaction, so a save is one round trip.

Only when the statement writes nothing does a second query tell the cases apart (bad
token 401, not yours 404, submitted or too late 409, paused 423, not on the paper or a
value that does not fit 400, an older seq 200 with ``applied: false``). Unlike the
project, a save past the grace is refused without submitting the attempt: the bench
never gets there, and submitting is the service's work, not the floor's.

Configured by the environment ``bench/floor.py`` sets: ``FLOOR_DSN`` (libpq
connection string), ``FLOOR_TABLES`` (JSON: model label -> table name, so the SQL
follows the project's models) and ``CERTIFY_SAVE_GRACE_SECONDS``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from datetime import UTC, datetime, timedelta

OPTION_LETTERS = "ABCDEFGH"
MAX_TEXT_ANSWER = 5000
PATH = re.compile(r"^/api/attempts/(\d+)/answers/(\d+)/$")


def _body(environ) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def f0(environ, start_response):
    _body(environ)
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]


def _tables() -> dict[str, str]:
    return json.loads(os.environ["FLOOR_TABLES"])


def _sql() -> tuple[str, str]:
    t = _tables()
    # The fast path. ``a`` finds the attempt only through the token's own candidate, so an
    # unknown token, another's attempt, a submitted or paused one or a late save all leave
    # it empty; ``ok`` adds the question and the value's fit; the upsert writes only over
    # an older seq. Each case that leaves a CTE empty makes the statement return nothing.
    save = f"""
    WITH a AS (
        SELECT at.id, at.deadline, at.paper_id
        FROM {t["certify.ApiToken"]} tk
        JOIN {t["certify.User"]} u ON u.id = tk.user_id AND u.is_active
        JOIN {t["certify.Candidate"]} c ON c.user_id = tk.user_id
        JOIN {t["exams.Enrollment"]} e ON e.candidate_id = c.id
        JOIN {t["exams.Attempt"]} at ON at.enrollment_id = e.id
        WHERE tk.key_hash = %(digest)s AND tk.revoked_at IS NULL AND tk.expires_at > %(now)s
          AND at.id = %(attempt)s AND at.status = 'in_progress'
          AND %(now)s <= at.deadline + %(grace)s
          AND NOT EXISTS (
              SELECT 1 FROM {t["exams.RoomPause"]} p WHERE p.room_id = e.written_room_id AND p.ended_at IS NULL
          )
        FOR SHARE OF at
    ), ok AS (
        SELECT a.id, a.deadline
        FROM a
        JOIN {t["exams.PaperItem"]} pi ON pi.paper_id = a.paper_id AND pi.position = %(position)s
        JOIN {t["question_bank.ItemVersion"]} iv ON iv.id = pi.item_version_id
        WHERE CASE WHEN iv.type = 'situational' THEN %(is_text)s
                   ELSE NOT %(is_text)s AND %(top)s < jsonb_array_length(pi.option_order)
                        AND (iv.type = 'multiple' OR %(count)s <= 1) END
    ), saved AS (
        INSERT INTO {t["exams.Answer"]} AS ans (attempt_id, position, response, seq, saved_at, flagged)
        SELECT ok.id, %(position)s, %(response)s::jsonb, %(seq)s, %(now)s, %(flagged)s FROM ok
        ON CONFLICT (attempt_id, position) DO UPDATE
            SET response = excluded.response, seq = excluded.seq, saved_at = excluded.saved_at,
                flagged = excluded.flagged
            WHERE ans.seq < excluded.seq
        RETURNING ans.seq
    )
    SELECT saved.seq, ok.deadline FROM saved, ok
    """
    # The slow path: why the fast one wrote nothing, every fact in one row.
    why = f"""
    SELECT u.is_active AND tk.revoked_at IS NULL AND tk.expires_at > %(now)s, at.id IS NOT NULL, at.status, at.deadline,
           EXISTS (SELECT 1 FROM {t["exams.RoomPause"]} p WHERE p.room_id = e.written_room_id AND p.ended_at IS NULL),
           iv.type, jsonb_array_length(pi.option_order), ans.seq, ans.saved_at
    FROM {t["certify.ApiToken"]} tk
    JOIN {t["certify.User"]} u ON u.id = tk.user_id
    LEFT JOIN {t["certify.Candidate"]} c ON c.user_id = tk.user_id
    LEFT JOIN {t["exams.Enrollment"]} e ON e.candidate_id = c.id
        AND e.id = (SELECT enrollment_id FROM {t["exams.Attempt"]} WHERE id = %(attempt)s)
    LEFT JOIN {t["exams.Attempt"]} at ON at.enrollment_id = e.id
    LEFT JOIN {t["exams.PaperItem"]} pi ON pi.paper_id = at.paper_id AND pi.position = %(position)s
    LEFT JOIN {t["question_bank.ItemVersion"]} iv ON iv.id = pi.item_version_id
    LEFT JOIN {t["exams.Answer"]} ans ON ans.attempt_id = at.id AND ans.position = %(position)s
    WHERE tk.key_hash = %(digest)s
    """
    return save, why


_local = threading.local()
_statements: tuple[str, str] | None = None


def _connection():
    """This thread's connection, opened on first use and kept; dropped only when it fails."""
    import psycopg

    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(os.environ["FLOOR_DSN"], autocommit=True)
    return conn


def _answer(start_response, status: str, payload: dict):
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _shape(value):
    """(stored response, is_text, highest letter index, letter count), or None if the shape is wrong."""
    if isinstance(value, str):
        return (value, True, -1, 0) if len(value) <= MAX_TEXT_ANSWER else None
    if not isinstance(value, list) or not all(isinstance(v, str) and len(v) == 1 for v in value):
        return None
    letters = sorted(set(value))
    if len(letters) != len(value) or any(letter not in OPTION_LETTERS for letter in letters):
        return None
    top = OPTION_LETTERS.index(letters[-1]) if letters else -1
    return letters, False, top, len(letters)


def f1(environ, start_response):
    global _statements
    if _statements is None:
        _statements = _sql()
    body = _body(environ)
    match = PATH.match(environ.get("PATH_INFO", ""))
    if environ["REQUEST_METHOD"] != "PUT" or match is None:
        return _answer(start_response, "404 Not Found", {"detail": "未找到。"})
    auth = environ.get("HTTP_AUTHORIZATION", "").split()
    if len(auth) != 2 or auth[0] != "Token":
        return _answer(start_response, "401 Unauthorized", {"detail": "身份认证信息未提供。"})
    try:
        data = json.loads(body)
        value, seq, flagged = data["value"], data["seq"], data.get("flagged", False)
    except (ValueError, TypeError, KeyError):
        data = None
    if data is None or not isinstance(seq, int) or isinstance(seq, bool) or seq < 1 or not isinstance(flagged, bool):
        return _answer(start_response, "400 Bad Request", {"detail": "请求格式不正确：需要 value 和正整数 seq"})
    shape = _shape(value)
    attempt, position = int(match[1]), int(match[2])
    now = datetime.now(UTC)
    params = {
        "digest": hashlib.sha256(auth[1].encode()).hexdigest(),
        "attempt": attempt,
        "position": position,
        "now": now,
        "grace": timedelta(seconds=int(os.environ.get("CERTIFY_SAVE_GRACE_SECONDS", "10"))),
        "seq": seq,
        "flagged": flagged,
        "response": json.dumps(shape[0] if shape else None, ensure_ascii=False),
        "is_text": shape[1] if shape else False,
        "top": shape[2] if shape else 99,
        "count": shape[3] if shape else 99,
    }
    conn = _connection()
    try:
        row = conn.execute(_statements[0], params).fetchone() if shape else None
        if row is not None:
            stored_seq, deadline = row
            remaining = max(0, int((deadline - now).total_seconds()))
            return _answer(
                start_response,
                "200 OK",
                {
                    "position": position,
                    "seq": stored_seq,
                    "applied": True,
                    "saved_at": now.isoformat(),
                    "remaining_seconds": remaining,
                },
            )
        why = conn.execute(_statements[1], params).fetchone()
    except Exception:
        # A broken connection: drop it so the next request opens a new one.
        conn.close()
        raise
    return _refusal(start_response, why, params, position, shape)


def _refusal(start_response, why, params: dict, position: int, shape):
    if why is None or not why[0]:
        return _answer(start_response, "401 Unauthorized", {"detail": "认证令牌无效。"})
    _active, own, status, deadline, paused, kind, option_count, stored_seq, saved_at = why
    now = params["now"]
    if not own:
        return _answer(start_response, "404 Not Found", {"detail": "未找到。"})
    if status != "in_progress":
        return _answer(start_response, "409 Conflict", {"detail": "已交卷，不能再修改答案", "status": "submitted"})
    if paused:
        return _answer(
            start_response, "423 Locked", {"detail": "考场已暂停，请等待考评员恢复后继续作答", "paused": True}
        )
    if now > deadline + params["grace"]:
        late = {"detail": "考试时间已到，本次修改未保存", "status": "submitted"}
        return _answer(start_response, "409 Conflict", late)
    if kind is None:
        return _answer(start_response, "400 Bad Request", {"detail": f"第 {position} 题不在您的试卷上"})
    fits = shape is not None and (
        shape[1]
        if kind == "situational"
        else not shape[1] and shape[2] < option_count and (kind == "multiple" or shape[3] <= 1)
    )
    if not fits:
        return _answer(start_response, "400 Bad Request", {"detail": "答案与题型不符"})
    if stored_seq is None or stored_seq < params["seq"]:
        # The room was resumed (or the like) between the two statements: the browser retries.
        return _answer(start_response, "503 Service Unavailable", {"detail": "请重试"})
    # Everything fits, so the stored answer has a newer seq: acknowledged, not applied.
    remaining = max(0, int((deadline - now).total_seconds()))
    return _answer(
        start_response,
        "200 OK",
        {
            "position": position,
            "seq": stored_seq,
            "applied": False,
            "saved_at": saved_at.isoformat(),
            "remaining_seconds": remaining,
        },
    )
