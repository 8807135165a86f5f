"""Scripts from submitted attempts, and each attempt's written score.

``scripts_create`` turns every situational answer of a submitted attempt into a marking script
(one per answer, unique per attempt and position) with its marking tasks, and records the
attempt's ``WrittenScore``. It is idempotent and may run any number of times, from anywhere:

- the written submit path enqueues it by name once the submission commits
  (``grading.tasks.create_scripts``);
- the marking sweep (Celery beat, ``grading.tasks.marking_sweep``) makes any that were missed;
- every marking page and API of a sitting makes its missing scripts before serving
  (``marking_prepare``), so correctness never waits for a task.

An empty answer is a script too, marked 0 by the system at once (rule ``empty``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from exams.papers.models import PaperItem
from exams.planning.models import Sitting, SittingStatus
from exams.sittings import sitting_written_close
from exams.written.models import Answer, Attempt, AttemptStatus
from grading.marking.models import (
    MarkingItem,
    MarkingSettings,
    Rule,
    Script,
    ScriptStatus,
    Task,
    TaskKind,
    WrittenScore,
)
from question_bank.models import ItemType

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
MARKING_OPEN = (SittingStatus.IN_PROGRESS, SittingStatus.MARKING)


def new_code(length: int = 10) -> str:
    """A random marking code (32¹⁰ ≈ 10¹⁵ values): says nothing about the candidate or the order."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def marking_settings(sitting: Sitting | int) -> MarkingSettings:
    """The sitting's marking settings, made with the defaults the first time.

    A sitting loaded with ``select_related("marking_settings")`` (the hot paths: claim and
    submit) gives them without a query."""
    if isinstance(sitting, Sitting) and Sitting.marking_settings.is_cached(sitting):
        cached = Sitting.marking_settings.related.get_cached_value(sitting)
        if cached is not None:
            return cached
    sitting_id = sitting if isinstance(sitting, int) else sitting.pk
    found = MarkingSettings.objects.filter(sitting_id=sitting_id).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():  # two first requests at once: one creates, the other reads it
            return MarkingSettings.objects.create(sitting_id=sitting_id)
    except IntegrityError:
        return MarkingSettings.objects.get(sitting_id=sitting_id)


def _marking_items(sitting_id: int, versions: dict[int, int]) -> dict[int, MarkingItem]:
    """The sitting's MarkingItem per item version (made when missing): ``versions`` maps version → points."""
    existing = {m.item_version_id: m for m in MarkingItem.objects.filter(sitting_id=sitting_id)}
    missing = [
        MarkingItem(sitting_id=sitting_id, item_version_id=version, points=points)
        for version, points in versions.items()
        if version not in existing
    ]
    if missing:
        MarkingItem.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {m.item_version_id: m for m in MarkingItem.objects.filter(sitting_id=sitting_id)}
    return existing


def new_tasks(script: Script, slots: Iterable[int]) -> list[Task]:
    return [
        Task(script=script, item_id=script.item_id, kind=TaskKind.REGULAR, slot=slot, code=new_code()) for slot in slots
    ]


def scripts_create(*, attempt_ids: Iterable[int], now: datetime | None = None, batch: int = 500) -> int:
    """Make the scripts, tasks and written score of every submitted attempt in ``attempt_ids`` that
    has none yet. Idempotent; returns how many attempts it did.

    Locks the attempts (``select_for_update``, skipping rows another call holds) so that two calls
    never make the same attempt's scripts twice; the unique (attempt, position) constraint backs it.
    """
    now = now or timezone.now()
    ids = sorted(set(attempt_ids))
    done = 0
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            rows = (
                Attempt.objects.filter(pk__in=ids[start : start + batch], status=AttemptStatus.SUBMITTED)
                .exclude(Exists(WrittenScore.objects.filter(attempt=OuterRef("pk"))))
                .select_related("enrollment__candidate")
                .order_by("pk")
            )
            if connection.features.has_select_for_update_skip_locked:
                rows = rows.select_for_update(skip_locked=True, of=("self",))
            attempts = list(rows)
            if attempts:
                _create_for(attempts, now)
            done += len(attempts)
    return done


def _create_for(attempts: list[Attempt], now: datetime) -> None:
    items: dict[int, list[tuple[int, int, int]]] = {}
    for paper_id, position, version, points in PaperItem.objects.filter(
        paper_id__in={a.paper_id for a in attempts}, item_version__type=ItemType.SITUATIONAL
    ).values_list("paper_id", "position", "item_version_id", "points"):
        items.setdefault(paper_id, []).append((position, version, points))
    answers = {
        (attempt_id, position): response
        for attempt_id, position, response in Answer.objects.filter(attempt__in=attempts).values_list(
            "attempt_id", "position", "response"
        )
    }
    by_sitting: dict[int, list[Attempt]] = {}
    for attempt in attempts:
        by_sitting.setdefault(attempt.enrollment.sitting_id, []).append(attempt)
    scripts: list[Script] = []
    for sitting_id, group in by_sitting.items():
        double = marking_settings(sitting_id).double_marking
        versions = {v: p for a in group for _pos, v, p in items.get(a.paper_id, [])}
        marking_items = _marking_items(sitting_id, versions)
        for attempt in group:
            candidate = attempt.enrollment.candidate
            for position, version, _points in items.get(attempt.paper_id, []):
                response = answers.get((attempt.pk, position))
                text = response.strip() if isinstance(response, str) else ""
                script = Script(
                    item=marking_items[version],
                    attempt=attempt,
                    position=position,
                    code=new_code(),
                    response=text,
                    hall_id=candidate.hall_id,
                    candidate_user_id=candidate.user_id,
                    double=double,
                    created_at=now,
                )
                if not text:
                    script.status, script.final_mark, script.rule, script.final_at = (
                        ScriptStatus.FINAL,
                        Decimal(0),
                        Rule.EMPTY,
                        now,
                    )
                scripts.append(script)
    Script.objects.bulk_create(scripts, batch_size=1000)
    if not connection.features.can_return_rows_from_bulk_insert:  # pragma: no cover - both backends return ids
        scripts = list(Script.objects.filter(attempt__in=attempts))
    tasks = [
        task
        for script in scripts
        if script.status == ScriptStatus.MARKING
        for task in new_tasks(script, (1, 2) if script.double else (1,))
    ]
    Task.objects.bulk_create(tasks, batch_size=1000)
    WrittenScore.objects.bulk_create(
        [
            WrittenScore(attempt=attempt, objective=attempt.objective_score or Decimal(0), updated_at=now)
            for attempt in attempts
        ]
    )
    written_scores_refresh(attempt_ids=[a.pk for a in attempts], now=now)


def written_scores_refresh(*, attempt_ids: Iterable[int], now: datetime | None = None) -> None:
    """Recompute the written scores of ``attempt_ids`` from their scripts (objective + final marks).

    Called inside the transaction that finalised a script, after that script's row lock, so two
    scripts of one attempt finalised at once each recount with the other's mark committed or locked.
    """
    now = now or timezone.now()
    ids = list(attempt_ids)
    figures = {
        row["attempt_id"]: row
        for row in Script.objects.filter(attempt_id__in=ids)
        .values("attempt_id")
        .annotate(
            n=Count("id"),
            final=Count("id", filter=Q(status=ScriptStatus.FINAL)),
            marks=Sum("final_mark", filter=Q(status=ScriptStatus.FINAL)),
        )
    }
    scores = list(
        WrittenScore.objects.select_for_update(of=("self",)).filter(attempt_id__in=ids).select_related("attempt")
    )
    for score in scores:
        row = figures.get(score.attempt_id, {"n": 0, "final": 0, "marks": None})
        score.objective = score.attempt.objective_score or Decimal(0)
        score.situational = row["marks"] or Decimal(0)
        score.total = score.objective + score.situational
        score.scripts, score.final_scripts = row["n"], row["final"]
        score.complete = row["final"] == row["n"]
        score.updated_at = now
    WrittenScore.objects.bulk_update(
        scores, ["objective", "situational", "total", "scripts", "final_scripts", "complete", "updated_at"]
    )


def missing_attempts(sitting: Sitting | None = None) -> list[int]:
    """Submitted attempts (of ``sitting``, or of every sitting open for marking) without scripts yet."""
    rows = Attempt.objects.filter(status=AttemptStatus.SUBMITTED).exclude(
        Exists(WrittenScore.objects.filter(attempt=OuterRef("pk")))
    )
    rows = (
        rows.filter(enrollment__sitting=sitting)
        if sitting
        else rows.filter(enrollment__sitting__status__in=MARKING_OPEN)
    )
    return list(rows.values_list("pk", flat=True))


def marking_prepare(*, sitting: Sitting, now: datetime | None = None) -> Sitting:
    """What every marking page and API of ``sitting`` does before serving: move the sitting to 阅卷中
    if its written window is over, and make any scripts still missing."""
    now = now or timezone.now()
    sitting = sitting_written_close(sitting=sitting, now=now)
    if sitting.status in MARKING_OPEN:
        missing = missing_attempts(sitting)
        if missing:
            scripts_create(attempt_ids=missing, now=now)
    return sitting


def marking_sweep(*, now: datetime | None = None) -> dict:
    """The periodic sweep (beat): close the written window of sittings whose time is over and make
    every missing script."""
    now = now or timezone.now()
    closed = 0
    for sitting in Sitting.objects.filter(status=SittingStatus.IN_PROGRESS, written_end__lt=now):
        closed += sitting_written_close(sitting=sitting, now=now).status == SittingStatus.MARKING
    return {"closed": closed, "attempts": scripts_create(attempt_ids=missing_attempts(), now=now)}
