"""The bank shipped in fixtures/: valid by the importer's own rules, grounded in the seeds, enough for every level."""

import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from question_bank.models import Blueprint, Item, ItemType, KnowledgePoint
from question_bank.services.blueprints import blueprint_feasibility, blueprints_load_defaults
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
