"""The statistics pages' figures, aggregated in SQL from the published ``Result`` rows.

Pass rate (合格率) = candidates who passed ÷ candidates with a result other than 缺考 (an absent
candidate did not sit; misconduct and incomplete count as not passed). Score distributions are
counts per 10-point band (90–100 includes 100). Only what the viewer may see is counted: an
admin sees every sitting, a chief examiner the sittings where they chair a room.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet
from django.db.models.functions import Cast, Floor, Least
from django.utils.translation import gettext_lazy

from certify.people.models import User
from certify.standard.models import Level
from exams.planning.models import Sitting
from exams.practical.scenes import scene_reliability
from grading.marking.models import Task, TaskKind, TaskStatus
from grading.marking.selectors import marker_stats
from grading.results.models import Outcome, Result

BANDS = [f"{low}–{low + 9}" if low < 90 else "90–100" for low in range(0, 100, 10)]
PARTS = (
    ("objective", gettext_lazy("客观题")),
    ("situational", gettext_lazy("情景分析")),
    ("written", gettext_lazy("笔试成绩")),
    ("typing", gettext_lazy("文字阅录")),
    ("business", gettext_lazy("业务受理")),
    ("scene", gettext_lazy("情景模拟")),
    ("practical", gettext_lazy("实操成绩")),
)


def sittings_for(user: User) -> QuerySet[Sitting]:
    """Sittings whose statistics ``user`` may read."""
    sittings = Sitting.objects.order_by("-written_start", "-pk")
    if user.is_cert_admin:
        return sittings
    if user.is_chief_examiner:
        return sittings.filter(rooms__assignments__examiner=user, rooms__assignments__is_chief=True).distinct()
    return sittings.none()


@dataclass
class PassRate:
    label: str
    total: int
    absent: int
    passed: int

    @property
    def sat(self) -> int:
        return self.total - self.absent

    @property
    def rate(self) -> float | None:
        return round(100 * self.passed / self.sat, 1) if self.sat else None


def pass_rates(results: QuerySet[Result], by: str) -> list[PassRate]:
    """Pass rates grouped ``by`` level, branch, hall or sitting (in time order), one query."""
    keys = {
        "level": ("level", "level"),
        "branch": ("candidate__hall__branch__name", "candidate__hall__branch__name"),
        "hall": ("candidate__hall__name", "candidate__hall__name"),
        "sitting": ("sitting__name", "sitting__written_start"),
    }
    key, order = keys[by]
    rows = (
        results.values(*dict.fromkeys((key, order)))
        .annotate(
            total=Count("pk"),
            absent=Count("pk", filter=Q(outcome=Outcome.ABSENT)),
            passed=Count("pk", filter=Q(outcome=Outcome.PASSED)),
        )
        .order_by(order, key)
    )
    levels = dict(Level.choices)
    out = []
    for row in rows:
        label = str(levels.get(row[key], row[key])) if by == "level" else row[key]
        out.append(PassRate(label, row["total"], row["absent"], row["passed"]))
    return out


def distribution(results: QuerySet[Result], field: str) -> list[int]:
    """Candidates per 10-point band of ``field`` (written or practical), one query."""
    band = Least(Cast(Floor(F(field) / 10), IntegerField()), 9)
    counts = dict(
        results.filter(**{f"{field}__isnull": False})
        .annotate(band=band)
        .values("band")
        .annotate(n=Count("pk"))
        .values_list("band", "n")
    )
    return [counts.get(index, 0) for index in range(10)]


def scatter(results: QuerySet[Result], limit: int = 5000) -> list[dict]:
    """Written against practical score per candidate with both (at most ``limit`` points)."""
    rows = results.filter(written__isnull=False, practical__isnull=False).order_by("pk")
    return [
        {"x": float(written), "y": float(practical), "outcome": outcome}
        for written, practical, outcome in rows.values_list("written", "practical", "outcome")[:limit]
    ]


def quadrants(results: QuerySet[Result]) -> dict[str, int]:
    """Who failed which part under the 60/60 rule (each candidate's frozen pass marks)."""
    both = results.filter(written__isnull=False, practical__isnull=False)
    written_ok = Q(written__gte=F("written_pass_mark"))
    practical_ok = Q(practical__gte=F("practical_pass_mark"))
    return both.aggregate(
        both_passed=Count("pk", filter=written_ok & practical_ok),
        written_failed=Count("pk", filter=~written_ok & practical_ok),
        practical_failed=Count("pk", filter=written_ok & ~practical_ok),
        both_failed=Count("pk", filter=~written_ok & ~practical_ok),
    )


def hall_averages(results: QuerySet[Result]) -> list[dict]:
    """Each hall's mean of every part (one query)."""
    rows = (
        results.values("candidate__hall__branch__name", "candidate__hall__name")
        .annotate(n=Count("pk"), **{f"mean_{name}": Avg(name) for name, _label in PARTS})
        .order_by("candidate__hall__branch__name", "candidate__hall__name")
    )
    return [
        {
            "branch": row["candidate__hall__branch__name"],
            "hall": row["candidate__hall__name"],
            "n": row["n"],
            "means": [
                None if row[f"mean_{name}"] is None else round(float(row[f"mean_{name}"]), 1) for name, _label in PARTS
            ],
        }
        for row in rows
    ]


@dataclass
class MarkerConsistency:
    name: str
    count: int
    agreement: Decimal | None
    co_mean: Decimal | None
    control_mean: Decimal | None
    third_share: float | None  # % of this marker's double-marked scripts that needed a 三评
    third: int
    double: int


def marking_consistency(sitting: Sitting) -> list[MarkerConsistency]:
    """Per marker: agreement with co-markers and deviation from control scripts (the marking
    dashboard's figures) and the share of their double-marked scripts sent to a third marker."""
    third = Task.objects.filter(script=OuterRef("script"), kind=TaskKind.REGULAR, slot=3)
    rows = (
        Task.objects.filter(item__sitting=sitting, kind=TaskKind.REGULAR, status=TaskStatus.SUBMITTED, slot__in=[1, 2])
        .annotate(sent=Exists(third))
        .values("marker")
        .annotate(double=Count("pk", filter=Q(script__double=True)), third=Count("pk", filter=Q(sent=True)))
    )
    shares = {row["marker"]: (row["third"], row["double"]) for row in rows}
    out = []
    for stats in marker_stats(sitting):
        sent, double = shares.get(stats.user.pk, (0, 0))
        out.append(
            MarkerConsistency(
                stats.user.display_name,
                stats.count,
                stats.agreement,
                stats.co_mean,
                stats.control_mean,
                round(100 * sent / double, 1) if double else None,
                sent,
                double,
            )
        )
    return out


def panel_consistency(sittings) -> list[dict]:
    """The scene panels' ICC per room and for the whole sitting, sitting by sitting (over time)."""
    out = []
    for sitting in sorted(sittings, key=lambda s: (s.written_start, s.pk)):
        for reliability in scene_reliability(sitting):
            out.append(
                {
                    "sitting": sitting.name,
                    "label": reliability.label,
                    "single": reliability.single.value,
                    "panel": reliability.panel.value,
                    "targets": reliability.single.targets,
                    "raters": reliability.single.raters,
                    "explanation": reliability.single.explanation,
                }
            )
    return out


def overview(results: QuerySet[Result]) -> dict:
    """Everything the statistics page charts, for a set of results."""
    return {
        "by_level": pass_rates(results, "level"),
        "by_branch": pass_rates(results, "branch"),
        "by_hall": pass_rates(results, "hall"),
        "by_sitting": pass_rates(results, "sitting"),
        "written": distribution(results, "written"),
        "practical": distribution(results, "practical"),
        "scatter": scatter(results),
        "quadrants": quadrants(results),
        "halls": hall_averages(results),
        "bands": BANDS,
        "parts": [str(label) for _name, label in PARTS],
    }
