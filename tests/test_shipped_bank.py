"""The bank shipped in fixtures/: valid by the importer's own rules, grounded in the seeds, enough for every level."""

import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from exams.papers.assembly import build_all, pools_from_rows
from exams.papers.services import blueprint_snapshot, eligible_pool_rows
from question_bank.models import Blueprint, Item, ItemType, KnowledgePoint
from question_bank.services.blueprints import blueprint_feasibility, blueprints_load_defaults
from question_bank.services.health import bank_check
from question_bank.services.items import (
    bank_load_shipped,
    knowledge_points_load,
    shipped_bank_entries,
    shipped_bank_validate,
)

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def squeeze(text: str) -> str:
    """Whitespace removed and full-width punctuation folded (NFKC): the seeds mix both widths."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture
def curriculum(standard):
    knowledge_points_load()


def test_the_shipped_bank_passes_the_importers_validation(curriculum):
    items, errors = shipped_bank_validate()
    assert [f"{name} #{index}: {error}" for name, index, error in errors] == []
    by_type = Counter(item.type for item in items)
    assert by_type[ItemType.SINGLE] >= 160
    assert by_type[ItemType.MULTIPLE] >= 90
    assert by_type[ItemType.SITUATIONAL] >= 24
    # Every level has every type, every section has items.
    assert {(item.level, item.type) for item in items} >= {(level, t) for level in (5, 4, 3) for t in ItemType.values}
    sections = set(KnowledgePoint.objects.filter(parent__isnull=False).values_list("code", flat=True))
    assert {item.knowledge_point.code for item in items} == sections


def test_every_shipped_item_cites_its_seed_and_quotes_it():
    seeds = {path.name: squeeze(path.read_text(encoding="utf-8")) for path in SEEDS.glob("*.txt")}
    problems = []
    for name, index, entry in shipped_bank_entries():
        cited = [seed for seed in seeds if seed in entry["source"]]
        if len(cited) != 1:
            problems.append(f"{name} #{index}: source {entry['source']!r} names no single seed file")
            continue
        quote = squeeze(entry.get("quote", ""))
        if len(quote) < 6 or quote not in seeds[cited[0]]:
            problems.append(f"{name} #{index}: quote is not verbatim from {cited[0]}")
        # Seed 004 is Traditional Chinese: its explanation quotes it in Simplified characters.
        if not cited[0].startswith("004") and quote not in squeeze(entry["explanation"]):
            problems.append(f"{name} #{index}: the explanation does not quote the sentence the key rests on")
    assert problems == []


def test_the_default_blueprints_are_feasible_with_at_least_30_different_papers(standard):
    added = bank_load_shipped()
    assert added == Item.objects.count() >= 274
    assert bank_load_shipped() == 0  # loading twice adds nothing
    blueprints_load_defaults()
    for blueprint in Blueprint.objects.all():
        report = blueprint_feasibility(blueprint=blueprint)
        assert report.problems == [], blueprint
        assert report.distinct_papers >= 30, blueprint


def test_the_shipped_bank_passes_the_health_check(standard):
    bank_load_shipped()
    blueprints_load_defaults()
    report = bank_check()
    assert [f"{f.rule_label}: {f.message}" for f in report.open] == []
    # Multiple choice keys spread over 2, 3 and 4 options; hardly any item keys every option.
    keys = report.stats["multiple_keys"]
    assert {2, 3, 4} <= set(keys)
    assert max(keys.values()) <= 0.6 * report.stats["multiple"]
    assert report.stats["multiple_all_keyed"] <= 0.1 * report.stats["multiple"]
    # The key is the longest option of a single-choice item about as often as chance allows.
    assert report.stats["single_key_longest"] <= 0.35 * report.stats["single"]


def test_stems_never_cite_the_textbook_or_the_course_goals():
    cited = [
        f"{name} #{index}"
        for name, index, entry in shipped_bank_entries()
        if any(word in entry["stem"] + entry["case"] for word in ("教材", "课程目标"))
    ]
    assert cited == []


def test_certification_rules_are_kept_off_the_default_papers(standard):
    bank_load_shipped()
    blueprints_load_defaults()
    assert Item.objects.filter(current__knowledge_point__code="0.1").count() == 12
    for blueprint in Blueprint.objects.all():
        for pool in blueprint_feasibility(blueprint=blueprint).pools:
            assert pool.chapter != "0"
        assert "0" not in {c for t in ("single", "multiple") for c in blueprint.quotas_for(t)}


@pytest.mark.parametrize("level", [5, 4, 3])
def test_thirty_candidates_of_each_level_get_different_papers_without_enemies(standard, level):
    bank_load_shipped()
    blueprints_load_defaults()
    blueprint = blueprint_snapshot(Blueprint.objects.get(level=level))
    rows = eligible_pool_rows(blueprint)
    group_of = {row[0]: row[5] for row in rows if row[5]}
    papers = build_all(
        seed=20261130,
        count=30,
        pools=pools_from_rows(blueprint, [tuple(row) for row in rows]),
        target=float(blueprint["target_difficulty"]),
        tolerance=float(blueprint["difficulty_tolerance"]),
    )
    assert len({paper.fingerprint for paper in papers}) == 30
    for paper in papers:
        groups = Counter(group_of[e.version_id] for e in paper.entries if e.version_id in group_of)
        assert max(groups.values(), default=0) <= 1
        assert abs(paper.mean_difficulty - float(blueprint["target_difficulty"])) <= float(
            blueprint["difficulty_tolerance"]
        )
