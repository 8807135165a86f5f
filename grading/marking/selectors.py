"""Reads of the marking: written scores (for the results), what waits for a marker or a chief, the
blind marking view, the sitting's progress and the chief's dashboard.

Blindness: ``task_view`` is everything a marker is shown of a script. It holds the item, the
rubric, the answer and the marker's own mark, never the candidate (name, 工号, 准考证号, hall, room,
seat) nor another marker's mark or the script's final mark.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from certify.people.models import User
from exams.planning.models import Sitting
from exams.written.models import Attempt, AttemptStatus
from grading.marking.highlight import highlight
from grading.marking.models import (
    ControlScript,
    MarkerPause,
    MarkingItem,
    Script,
    ScriptStatus,
    Task,
    TaskKind,
    TaskStatus,
    TeamMember,
    WrittenScore,
)
from grading.marking.scripts import MARKING_OPEN, marking_settings
from grading.marking.services import _claimable, conflicts, item_tolerance
from grading.scoring.marking import Drift, marker_drift, plain, point_choices

# --- the written score (read by the results) ------------------------------------------------


@dataclass(frozen=True)
class WrittenScoreView:
    attempt_id: int
    objective: Decimal | None
    situational: Decimal
    total: Decimal | None
    complete: bool
    missing: list[str]  # what keeps it from being complete, in words


def _script_state(script_status: str, double: bool, marks: int) -> str:
    if script_status == ScriptStatus.ARBITRATION:
        return _("待仲裁")
    if not double:
        return _("待评")
    return [_("待一评"), _("待二评")][marks] if marks < 2 else _("待三评")


def written_scores(attempt_ids: Iterable[int]) -> dict[int, WrittenScoreView]:
    """Each attempt's written score: objective + final situational marks, and what is missing.

    ``complete`` only when the attempt is submitted and every one of its scripts has a final mark.
    Attempts whose scripts were not made yet say so (``grading.marking.scripts.marking_prepare``
    makes them).
    """
    ids = list(attempt_ids)
    scores = {s.attempt_id: s for s in WrittenScore.objects.filter(attempt_id__in=ids)}
    attempts = dict(Attempt.objects.filter(pk__in=ids).values_list("pk", "status"))
    pending: dict[int, list[str]] = defaultdict(list)
    marks = Count("tasks", filter=Q(tasks__kind=TaskKind.REGULAR, tasks__status=TaskStatus.SUBMITTED))
    for attempt_id, position, status, double, done in (
        Script.objects.filter(attempt_id__in=ids)
        .exclude(status=ScriptStatus.FINAL)
        .annotate(done=marks)
        .order_by("attempt_id", "position")
        .values_list("attempt_id", "position", "status", "double", "done")
    ):
        pending[attempt_id].append(
            _("第 %(n)s 题（情景分析）%(state)s") % {"n": position, "state": _script_state(status, double, done)}
        )
    out = {}
    for attempt_id in ids:
        score = scores.get(attempt_id)
        if attempt_id not in attempts:
            continue
        if score is None:
            missing = (
                [_("笔试尚未交卷")]
                if attempts[attempt_id] != AttemptStatus.SUBMITTED
                else [_("情景分析题尚未生成阅卷任务")]
            )
            out[attempt_id] = WrittenScoreView(attempt_id, None, Decimal(0), None, False, missing)
            continue
        out[attempt_id] = WrittenScoreView(
            attempt_id, score.objective, score.situational, score.total, score.complete, pending.get(attempt_id, [])
        )
    return out


# --- who marks what ----------------------------------------------------------------------------


def item_label(item: MarkingItem) -> str:
    stem = item.item_version.stem
    return f"#{item.item_version.item_id} {stem[:30]}{'…' if len(stem) > 30 else ''}"


def marker_items(user: User, sitting: Sitting | None = None):
    """The items ``user`` marks, in sittings open for marking (or in ``sitting``)."""
    rows = TeamMember.objects.filter(user=user, is_chief=False)
    rows = rows.filter(sitting=sitting) if sitting else rows.filter(sitting__status__in=MARKING_OPEN)
    whole = rows.filter(item__isnull=True).values("sitting")
    return (
        MarkingItem.objects.filter(Q(sitting__in=whole) | Q(pk__in=rows.filter(item__isnull=False).values("item")))
        .select_related("sitting", "item_version")
        .order_by("sitting_id", "item_version__item_id")
    )


def chief_items(user: User, sitting: Sitting | None = None):
    rows = TeamMember.objects.filter(user=user, is_chief=True)
    if sitting is not None:
        rows = rows.filter(sitting=sitting)
    whole = rows.filter(item__isnull=True).values("sitting")
    return (
        MarkingItem.objects.filter(Q(sitting__in=whole) | Q(pk__in=rows.filter(item__isnull=False).values("item")))
        .select_related("sitting", "item_version")
        .order_by("sitting_id", "item_version__item_id")
    )


def is_team_member(user: User, sitting: Sitting) -> bool:
    return TeamMember.objects.filter(user=user, sitting=sitting).exists()


@dataclass
class WorkItem:
    item: MarkingItem
    label: str
    waiting: int  # scripts this marker could take now
    held: str | None  # the code of the script they hold, if any
    done: int  # marks they submitted on this item


def marker_work(user: User, sitting: Sitting | None = None, now: datetime | None = None) -> list[WorkItem]:
    now = now or timezone.now()
    items = list(marker_items(user, sitting))
    held = dict(
        Task.objects.filter(marker=user, status=TaskStatus.CLAIMED, script__item__in=items).values_list(
            "script__item_id", "code"
        )
    )
    done = dict(
        Task.objects.filter(marker=user, status=TaskStatus.SUBMITTED, kind=TaskKind.REGULAR, script__item__in=items)
        .values_list("script__item_id")
        .annotate(n=Count("id"))
        .values_list("script__item_id", "n")
    )
    return [
        WorkItem(
            item,
            item_label(item),
            _claimable(user, item, now).order_by().values("script_id").distinct().count(),
            held.get(item.pk),
            done.get(item.pk, 0),
        )
        for item in items
    ]


def arbitration_queue(user: User, sitting: Sitting | None = None) -> list[Script]:
    """Scripts waiting for ``user``'s arbitration (as a chief of their item), own-hall ones left out."""
    items = chief_items(user, sitting)
    scripts = Script.objects.filter(item__in=items, status=ScriptStatus.ARBITRATION).select_related(
        "item__item_version", "item__sitting"
    )
    return [script for script in scripts.order_by("pk") if not conflicts(user, script)]


def pause_of(user: User, sitting_id: int) -> MarkerPause | None:
    return MarkerPause.objects.filter(sitting_id=sitting_id, marker=user, resumed_at__isnull=True).first()


# --- the blind marking view ---------------------------------------------------------------------


def rubric_view(rubric: list[dict], hits=None) -> list[dict]:
    out = []
    for index, point in enumerate(rubric):
        hit = hits[index] if hits is not None else None
        out.append(
            {
                "index": index,
                "point": point["point"],
                "points": point["points"],
                "phrasings": list(point.get("phrasings") or []),
                "choices": [plain(c) for c in point_choices(point)],
                "hint": hit.status if hit else "none",
                "matched": list(hit.matched) if hit else [],
            }
        )
    return out


def answer_view(script: Script) -> tuple[list[dict], list[dict]]:
    """The answer in highlighted segments, and the rubric with each key point's hint."""
    rubric = script.item.item_version.rubric
    result = highlight(script.response, rubric)
    segments = [{"text": text, "points": list(points)} for text, points in result.segments]
    return segments, rubric_view(rubric, result.hits)


def task_view(task: Task) -> dict:
    """What a marker sees of their task (see the module docstring: nothing about the candidate)."""
    script = task.script
    item = script.item
    segments, rubric = answer_view(script)
    submitted = task.status == TaskStatus.SUBMITTED
    revisable = submitted and (task.kind == TaskKind.CONTROL or script.status == ScriptStatus.MARKING)
    return {
        "code": task.code,
        "status": task.status,
        "lease_until": task.lease_until if task.status == TaskStatus.CLAIMED else None,
        "item": item.pk,
        "sitting": item.sitting_id,
        "points": item.points,
        "case": item.item_version.case,
        "stem": item.item_version.stem,
        "rubric": rubric,
        "answer": script.response,
        "segments": segments,
        "mine": {
            "awards": list(task.awards),
            "total": plain(task.total),
            "comment": task.comment,
            "submitted_at": task.submitted_at,
        }
        if submitted
        else None,
        "revisable": revisable,
    }


def recent_marks(user: User, sitting: Sitting | None = None, limit: int = 50) -> list[dict]:
    """The marker's own latest marks (回评), newest first, with whether each may still be changed."""
    tasks = Task.objects.filter(marker=user, status=TaskStatus.SUBMITTED).select_related("script__item__item_version")
    if sitting is not None:
        tasks = tasks.filter(script__item__sitting=sitting)
    out = []
    for task in tasks.order_by("-submitted_at", "-pk")[:limit]:
        out.append(
            {
                "code": task.code,
                "item": task.script.item_id,
                "label": item_label(task.script.item),
                "total": plain(task.total),
                "submitted_at": task.submitted_at,
                "revisable": task.kind == TaskKind.CONTROL or task.script.status == ScriptStatus.MARKING,
            }
        )
    return out


def arbitration_view(script: Script) -> dict:
    """What the chief sees to arbitrate: every mark with its marker, and the answer (no candidate)."""
    segments, rubric = answer_view(script)
    marks = [
        {
            "slot": task.slot,
            "marker": task.marker.display_name,
            "awards": list(task.awards),
            "total": plain(task.total),
            "comment": task.comment,
            "submitted_at": task.submitted_at,
        }
        for task in script.tasks.filter(kind=TaskKind.REGULAR, status=TaskStatus.SUBMITTED)
        .select_related("marker")
        .order_by("slot")
    ]
    return {
        "code": script.code,
        "status": script.status,
        "item": script.item_id,
        "points": script.item.points,
        "tolerance": plain(item_tolerance(script.item)),
        "case": script.item.item_version.case,
        "stem": script.item.item_version.stem,
        "rubric": rubric,
        "answer": script.response,
        "segments": segments,
        "marks": marks,
    }


# --- progress and the chief's dashboard ------------------------------------------------------


@dataclass
class ItemProgress:
    item: MarkingItem
    label: str
    tolerance: str
    total: int = 0
    empty: int = 0
    unmarked: int = 0
    once: int = 0  # at least one mark
    twice: int = 0  # at least two marks
    third: int = 0  # waiting for a third marker
    arbitration: int = 0
    final: int = 0
    no_marker: int = 0  # open tasks no team member may take (own-hall rule)
    chiefs: list[str] = field(default_factory=list)
    markers: int = 0


def item_progress(sitting: Sitting, items: Iterable[MarkingItem] | None = None) -> list[ItemProgress]:
    items = (
        list(items)
        if items is not None
        else list(MarkingItem.objects.filter(sitting=sitting).select_related("item_version", "sitting"))
    )
    settings = marking_settings(sitting)
    out = {item.pk: ItemProgress(item, item_label(item), plain(item_tolerance(item, settings))) for item in items}
    marks = Count("tasks", filter=Q(tasks__kind=TaskKind.REGULAR, tasks__status=TaskStatus.SUBMITTED))
    third_open = Task.objects.filter(script=OuterRef("pk"), kind=TaskKind.REGULAR, slot=3).exclude(
        status=TaskStatus.SUBMITTED
    )
    rows = (
        Script.objects.filter(item__in=out)
        .annotate(done=marks, third_open=Exists(third_open))
        .values_list("item_id", "status", "rule", "done", "third_open")
    )
    for item_id, status, rule, done, third in rows:
        p = out[item_id]
        p.total += 1
        if rule == "empty":
            p.empty += 1
        p.unmarked += done == 0 and rule != "empty"
        p.once += done >= 1
        p.twice += done >= 2
        p.third += third and status == ScriptStatus.MARKING
        p.arbitration += status == ScriptStatus.ARBITRATION
        p.final += status == ScriptStatus.FINAL
    team = TeamMember.objects.filter(sitting=sitting).select_related("user")
    for member in team:
        for p in out.values() if member.item_id is None else [out[member.item_id]] if member.item_id in out else []:
            if member.is_chief:
                p.chiefs.append(member.user.display_name)
            else:
                p.markers += 1
    _count_unmarkable(sitting, out)
    return list(out.values())


def _count_unmarkable(sitting: Sitting, progress: dict[int, ItemProgress]) -> None:
    """Scripts being marked that too few markers of their item may take under the own-hall rule
    (two under double marking, one under single marking)."""
    needed = 2 if marking_settings(sitting).double_marking else 1
    markers: dict[int | None, list[User]] = defaultdict(list)
    for member in TeamMember.objects.filter(sitting=sitting, is_chief=False).select_related("user"):
        markers[member.item_id].append(member.user)
    per_hall = (
        Script.objects.filter(item_id__in=progress, status=ScriptStatus.MARKING)
        .values_list("item_id", "hall_id")
        .annotate(n=Count("id"))
    )
    for item_id, hall_id, n in per_hall:
        users = {u.pk: u for u in markers[None] + markers[item_id]}.values()
        if not users:
            continue
        eligible = sum(1 for u in users if u.hall_id is None or u.hall_id != hall_id)
        if eligible < needed:
            progress[item_id].no_marker += n


@dataclass
class SittingProgress:
    sitting: Sitting
    attempts: int
    with_scripts: int
    complete: int  # attempts whose written score is complete
    scripts: int
    final: int
    items: list[ItemProgress]
    problems: list[str]

    @property
    def done(self) -> bool:
        return self.scripts > 0 and self.final == self.scripts and self.with_scripts == self.attempts


def sitting_progress(sitting: Sitting) -> SittingProgress:
    items = item_progress(sitting)
    attempts = Attempt.objects.filter(enrollment__sitting=sitting, status=AttemptStatus.SUBMITTED)
    scores = WrittenScore.objects.filter(attempt__enrollment__sitting=sitting)
    problems = []
    if not TeamMember.objects.filter(sitting=sitting, is_chief=False).exists():
        problems.append(_("还没有阅卷员：请在下方添加阅卷组成员"))
    for p in items:
        if p.total and not p.markers:
            problems.append(_("%(item)s 没有阅卷员") % {"item": p.label})
        if p.total and not p.chiefs:
            problems.append(_("%(item)s 没有阅卷组长（仲裁和自测卷需要组长）") % {"item": p.label})
        if p.no_marker:
            problems.append(
                _("%(item)s 有 %(n)s 份试卷的考生与全部阅卷员同属一个营业厅，需要增加其他营业厅的阅卷员")
                % {"item": p.label, "n": p.no_marker}
            )
    return SittingProgress(
        sitting=sitting,
        attempts=attempts.count(),
        with_scripts=scores.count(),
        complete=scores.filter(complete=True).count(),
        scripts=sum(p.total for p in items),
        final=sum(p.final for p in items),
        items=items,
        problems=problems,
    )


@dataclass
class MarkerStats:
    user: User
    count: int = 0
    mean: Decimal | None = None
    sd: Decimal | None = None
    agreement: Decimal | None = None  # % of double-marked pairs within the tolerance
    co_pairs: int = 0
    control_count: int = 0
    control_mean: Decimal | None = None  # mean control deviation, % of the points (signed)
    co_mean: Decimal | None = None  # mean deviation from co-markers, % of the points (signed)
    seconds: int | None = None  # median seconds from claim to submit
    drift: Drift | None = None
    pause: MarkerPause | None = None
    claimed: int = 0


def _d(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2)))


def marker_stats(sitting: Sitting, items: Iterable[MarkingItem] | None = None) -> list[MarkerStats]:
    """Per marker: count, mean, standard deviation, agreement with co-markers, control-script
    deviation, speed, and the drift flag (``grading.scoring.marking.marker_drift``)."""
    settings = marking_settings(sitting)
    item_rows = list(items) if items is not None else list(MarkingItem.objects.filter(sitting=sitting))
    tolerance = {item.pk: item_tolerance(item, settings) for item in item_rows}
    points = {item.pk: item.points for item in item_rows}
    tasks = list(
        Task.objects.filter(script__item__in=item_rows, status=TaskStatus.SUBMITTED).values_list(
            "kind",
            "script_id",
            "script__item_id",
            "marker_id",
            "total",
            "claimed_at",
            "submitted_at",
            "control__reference_mark",
        )
    )
    by_script: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for kind, script_id, _item, marker_id, total, *_rest in tasks:
        if kind == TaskKind.REGULAR:
            by_script[script_id].append((marker_id, total))
    team = TeamMember.objects.filter(sitting=sitting, is_chief=False).select_related("user")
    stats: dict[int, MarkerStats] = {}
    for member in team:
        stats.setdefault(member.user_id, MarkerStats(member.user))
    totals: dict[int, list[float]] = defaultdict(list)
    seconds: dict[int, list[float]] = defaultdict(list)
    pairs: dict[int, list[bool]] = defaultdict(list)
    co: dict[int, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    control: dict[int, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for kind, script_id, item_id, marker_id, total, claimed_at, submitted_at, reference in tasks:
        if marker_id not in stats:
            stats[marker_id] = MarkerStats(User.objects.get(pk=marker_id))
        if kind == TaskKind.CONTROL:
            control[marker_id].append((total - reference, Decimal(points[item_id])))
            continue
        totals[marker_id].append(float(total))
        if claimed_at and submitted_at:
            seconds[marker_id].append((submitted_at - claimed_at).total_seconds())
        others = [t for m, t in by_script[script_id] if m != marker_id]
        if others:
            co[marker_id].append((total - sum(others) / len(others), Decimal(points[item_id])))
            pairs[marker_id].extend(abs(total - other) <= tolerance[item_id] for other in others)
    claimed = dict(
        Task.objects.filter(script__item__in=item_rows, status=TaskStatus.CLAIMED)
        .values_list("marker_id")
        .annotate(n=Count("id"))
        .values_list("marker_id", "n")
    )
    pauses = {p.marker_id: p for p in MarkerPause.objects.filter(sitting=sitting, resumed_at__isnull=True)}
    for marker_id, s in stats.items():
        values = totals[marker_id]
        s.count = len(values)
        s.mean = _d(statistics.fmean(values)) if values else None
        s.sd = _d(statistics.pstdev(values)) if len(values) > 1 else None
        s.co_pairs = len(pairs[marker_id])
        s.agreement = _d(100 * sum(pairs[marker_id]) / len(pairs[marker_id])) if pairs[marker_id] else None
        s.seconds = int(statistics.median(seconds[marker_id])) if seconds[marker_id] else None
        s.drift = marker_drift(control[marker_id], co[marker_id], threshold_percent=settings.drift_percent)
        s.control_count, s.control_mean, s.co_mean = s.drift.control_count, s.drift.control_mean, s.drift.co_mean
        s.pause = pauses.get(marker_id)
        s.claimed = claimed.get(marker_id, 0)
    return sorted(stats.values(), key=lambda s: s.user.username)


def controls(sitting: Sitting, items: Iterable[MarkingItem]) -> list[ControlScript]:
    return list(
        ControlScript.objects.filter(script__item__in=list(items))
        .select_related("script__item__item_version")
        .annotate(served=Count("tasks", filter=Q(tasks__status=TaskStatus.SUBMITTED)))
        .order_by("-active", "script__item_id", "pk")
    )


def control_candidates(items: Iterable[MarkingItem], limit: int = 30) -> list[Script]:
    """Final, non-empty scripts a chief may make control scripts of (newest first)."""
    return list(
        Script.objects.filter(item__in=list(items), status=ScriptStatus.FINAL)
        .exclude(rule="empty")
        .exclude(Exists(ControlScript.objects.filter(script=OuterRef("pk"))))
        .select_related("item__item_version")
        .order_by("-final_at", "-pk")[:limit]
    )
