"""A sitting's papers: freezing the recipe when it is scheduled, the background job that writes
every paper, and the rebuild of one paper for an audit."""

from __future__ import annotations

import json
import secrets
import time

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from exams.papers.assembly import BuiltPaper, build_all, build_paper, exposure_report, pools_from_rows
from exams.papers.models import Assembly, AssemblyStatus, Paper, PaperItem
from exams.planning.models import Enrollment, Sitting
from exams.planning.selectors import active_enrollments
from question_bank.models import Blueprint, ItemStatus, ItemVersion
from question_bank.services.blueprints import BLUEPRINT_FIELDS
from question_bank.services.items import item_versions_mark_used

BATCH = 1000


def blueprint_snapshot(blueprint: Blueprint) -> dict:
    values = {field: getattr(blueprint, field) for field in BLUEPRINT_FIELDS}
    values["target_difficulty"] = str(values["target_difficulty"])
    values["difficulty_tolerance"] = str(values["difficulty_tolerance"])
    values["level"] = blueprint.level
    return values


def eligible_pool_rows(blueprint: dict) -> list[list]:
    """[version id, type, section code, difficulty, option count, enemy group] of the current versions
    of active items a paper of this blueprint may use. (Pools frozen before enemy groups have rows
    of five; ``pools_from_rows`` reads both.)"""
    rows = (
        ItemVersion.objects.filter(
            item__current=F("pk"),
            item__status=ItemStatus.ACTIVE,
            level__gte=blueprint["level"],
            difficulty__gte=blueprint["difficulty_min"],
            difficulty__lte=blueprint["difficulty_max"],
        )
        .order_by("pk")
        .values_list("pk", "type", "knowledge_point__code", "difficulty", "options", "item__enemy_group")
    )
    return [[pk, t, code, d, len(options), group] for pk, t, code, d, options, group in rows]


def assembly_prepare(*, sitting: Sitting, seed: int | None = None) -> Assembly:
    """Freeze the sitting's recipe (the level's blueprint, the item pool, a seed) and mark the
    assembly running; the caller queues the job. The pool's item versions become the sitting's:
    editing one of them from now on writes a new version."""
    blueprint = blueprint_snapshot(Blueprint.objects.get(level=sitting.level))
    pool = eligible_pool_rows(blueprint)
    item_versions_mark_used(version_ids=[row[0] for row in pool])
    assembly, _created = Assembly.objects.update_or_create(
        sitting=sitting,
        defaults={
            "blueprint": blueprint,
            "item_pool": pool,
            "seed": seed if seed is not None else secrets.randbits(62),
            "status": AssemblyStatus.RUNNING,
            "total": active_enrollments(sitting).count(),
            "done": 0,
            "error": "",
            "report": {},
        },
    )
    return assembly


def assembly_pools(assembly: Assembly):
    """The pools of the frozen blueprint over the item pool frozen at scheduling."""
    return pools_from_rows(assembly.blueprint, [tuple(row) for row in assembly.item_pool])


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
        Assembly.objects.filter(sitting=sitting).update(done=F("done") + len(batch))
    return len(batch)


def papers_assemble(*, sitting_id: int) -> dict:
    """Build every paper of the sitting from its recorded seed and write those not yet written.

    Idempotent: papers are a pure function of the seed, so a re-run (a retried task,
    a second click) rebuilds the same papers and writes only the missing ones.
    """
    started = time.monotonic()
    assembly = Assembly.objects.select_related("sitting").filter(sitting_id=sitting_id).first()
    if assembly is None:
        raise ValueError(f"sitting {sitting_id} is not scheduled")
    sitting, blueprint = assembly.sitting, assembly.blueprint
    pools = assembly_pools(assembly)
    enrollments = paper_order(sitting)
    built = build_all(
        seed=assembly.seed,
        count=len(enrollments),
        pools=pools,
        target=float(blueprint["target_difficulty"]),
        tolerance=float(blueprint["difficulty_tolerance"]),
    )
    built_seconds = time.monotonic() - started
    existing = set(Paper.objects.filter(enrollment__sitting=sitting).values_list("enrollment_id", flat=True))
    missing = [(e, p) for e, p in zip(enrollments, built, strict=True) if e.pk not in existing]
    Assembly.objects.filter(pk=assembly.pk).update(
        status=AssemblyStatus.RUNNING, total=len(enrollments), done=len(existing)
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
    Assembly.objects.filter(pk=assembly.pk).update(
        status=AssemblyStatus.DONE,
        done=Paper.objects.filter(enrollment__sitting=sitting).count(),
        report=report,
        error="",
    )
    return report


def papers_assembly_failed(*, sitting_id: int, error: str) -> None:
    Assembly.objects.filter(sitting_id=sitting_id).update(status=AssemblyStatus.FAILED, error=error[:2000])


def paper_rebuild(*, paper: Paper) -> BuiltPaper:
    """Rebuild one paper from the sitting's assembly and the paper's index and salt, for an audit."""
    assembly = Assembly.objects.get(sitting_id=paper.enrollment.sitting_id)
    blueprint = assembly.blueprint
    return build_paper(
        seed=assembly.seed,
        index=paper.index,
        salt=paper.salt,
        pools=assembly_pools(assembly),
        target=float(blueprint["target_difficulty"]),
        tolerance=float(blueprint["difficulty_tolerance"]),
    )
