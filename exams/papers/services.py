"""Writing a sitting's papers: the background job started by scheduling."""

from __future__ import annotations

import json
import time

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from exams.papers.assembly import BuiltPaper, build_all, build_paper, exposure_report, pools_from_rows
from exams.papers.models import Paper, PaperItem
from exams.planning.models import AssemblyStatus, Enrollment, Sitting
from exams.planning.selectors import active_enrollments
from question_bank.models import Blueprint, ItemStatus, ItemVersion
from question_bank.services.blueprints import BLUEPRINT_FIELDS

BATCH = 1000


def blueprint_snapshot(blueprint: Blueprint) -> dict:
    values = {field: getattr(blueprint, field) for field in BLUEPRINT_FIELDS}
    values["target_difficulty"] = str(values["target_difficulty"])
    values["difficulty_tolerance"] = str(values["difficulty_tolerance"])
    values["level"] = blueprint.level
    return values


def eligible_pool_rows(blueprint: dict) -> list[list]:
    """[version id, type, section code, difficulty, option count] of the current versions of active
    items a paper of this blueprint may use."""
    rows = (
        ItemVersion.objects.filter(
            item__current=F("pk"),
            item__status=ItemStatus.ACTIVE,
            level__gte=blueprint["level"],
            difficulty__gte=blueprint["difficulty_min"],
            difficulty__lte=blueprint["difficulty_max"],
        )
        .order_by("pk")
        .values_list("pk", "type", "knowledge_point__code", "difficulty", "options")
    )
    return [[pk, t, code, d, len(options)] for pk, t, code, d, options in rows]


def sitting_pools(sitting: Sitting):
    """The pools of the frozen blueprint over the item pool frozen at scheduling."""
    return pools_from_rows(sitting.blueprint, [tuple(row) for row in sitting.item_pool])


def paper_order(sitting: Sitting) -> list[Enrollment]:
    """Papers are numbered in admission-number order, so neighbours get consecutive papers."""
    return list(active_enrollments(sitting).order_by("admission_no", "pk"))


def _write_batch(sitting: Sitting, batch: list[tuple[Enrollment, BuiltPaper]]) -> int:
    with transaction.atomic():
        papers = Paper.objects.bulk_create(
            [
                Paper(
                    enrollment=enrollment,
                    index=built.index,
                    salt=built.salt,
                    mean_difficulty=round(built.mean_difficulty, 2),
                    fingerprint=built.fingerprint,
                )
                for enrollment, built in batch
            ]
        )
        rows = (
            (paper.pk, position, entry.version_id, json.dumps(list(entry.option_order)), entry.points)
            for paper, (_enrollment, built) in zip(papers, batch, strict=True)
            for position, entry in enumerate(built.entries, start=1)
        )
        if connection.vendor == "postgresql":
            # COPY: half a million rows in seconds, where INSERTs take a minute.
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(
                    "COPY exams_paperitem (paper_id, position, item_version_id, option_order, points) FROM STDIN"
                ) as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            PaperItem.objects.bulk_create(
                [
                    PaperItem(paper_id=p, position=pos, item_version_id=v, option_order=json.loads(o), points=pts)
                    for p, pos, v, o, pts in rows
                ],
                batch_size=2000,
            )
        Sitting.objects.filter(pk=sitting.pk).update(assembly_done=F("assembly_done") + len(batch))
    return len(batch)


def papers_assemble(*, sitting_id: int) -> dict:
    """Build every paper of the sitting from its recorded seed and write those not yet written.

    Idempotent: papers are a pure function of the seed, so a re-run (a retried task,
    a second click) rebuilds the same papers and writes only the missing ones.
    """
    started = time.monotonic()
    sitting = Sitting.objects.select_related("province").get(pk=sitting_id)
    if sitting.blueprint is None or sitting.assembly_seed is None or sitting.item_pool is None:
        raise ValueError(f"sitting {sitting_id} is not scheduled")
    blueprint = sitting.blueprint
    pools = sitting_pools(sitting)
    enrollments = paper_order(sitting)
    built = build_all(
        seed=sitting.assembly_seed,
        count=len(enrollments),
        pools=pools,
        target=float(blueprint["target_difficulty"]),
        tolerance=float(blueprint["difficulty_tolerance"]),
    )
    built_seconds = time.monotonic() - started
    existing = set(Paper.objects.filter(enrollment__sitting=sitting).values_list("enrollment_id", flat=True))
    missing = [(e, p) for e, p in zip(enrollments, built, strict=True) if e.pk not in existing]
    Sitting.objects.filter(pk=sitting.pk).update(
        assembly_status=AssemblyStatus.RUNNING, assembly_total=len(enrollments), assembly_done=len(existing)
    )
    for start in range(0, len(missing), BATCH):
        batch = missing[start : start + BATCH]
        try:
            _write_batch(sitting, batch)
        except IntegrityError:
            # Another run wrote some of these meanwhile: write what is still missing, one by one.
            for enrollment, paper in batch:
                if not Paper.objects.filter(enrollment=enrollment).exists():
                    _write_batch(sitting, [(enrollment, paper)])
    report = exposure_report(built)
    report.update(
        {
            "build_seconds": round(built_seconds, 2),
            "total_seconds": round(time.monotonic() - started, 2),
            "written": len(missing),
            "finished_at": timezone.now().isoformat(),
        }
    )
    Sitting.objects.filter(pk=sitting.pk).update(
        assembly_status=AssemblyStatus.DONE,
        assembly_done=Paper.objects.filter(enrollment__sitting=sitting).count(),
        assembly_report=report,
        assembly_error="",
    )
    return report


def papers_assembly_failed(*, sitting_id: int, error: str) -> None:
    Sitting.objects.filter(pk=sitting_id).update(assembly_status=AssemblyStatus.FAILED, assembly_error=error[:2000])


def paper_rebuild(*, paper: Paper) -> BuiltPaper:
    """Rebuild one paper from the sitting's seed and the paper's salt, for an audit."""
    sitting = paper.enrollment.sitting
    blueprint = sitting.blueprint
    return build_paper(
        seed=sitting.assembly_seed,
        index=paper.index,
        salt=paper.salt,
        pools=sitting_pools(sitting),
        target=float(blueprint["target_difficulty"]),
        tolerance=float(blueprint["difficulty_tolerance"]),
    )
