"""Enemy groups (互斥组): kept by the bank and its Excel, honoured by paper assembly and the feasibility check."""

import itertools
from collections import Counter

import pytest

from exams.papers.assembly import build_all, pools_from_rows
from exams.papers.services import eligible_pool_rows
from question_bank.models import Blueprint, Item, ItemVersion
from question_bank.selectors import current_versions
from question_bank.services.blueprints import blueprint_feasibility
from question_bank.services.excel import bank_export, bank_import
from question_bank.services.items import item_versions_mark_used, knowledge_points_load
from question_bank.validation import COLUMNS
from tests.bank_helpers import make_item, multiple, single, situational, xlsx
from tests.conftest import client_for


@pytest.fixture
def bank(standard):
    knowledge_points_load()


def errors_of(report) -> list[tuple]:
    return [(e.row, e.column, e.message) for e in report.errors]


# --- the bank and its Excel ----------------------------------------------------------------


def test_the_enemy_group_column_round_trips_through_excel(bank, hr):
    make_item(single(互斥组="接待-问候"))
    make_item(situational(互斥组="接待-问候"))
    make_item(multiple())
    exported = bank_export(versions=current_versions(items=Item.objects.all()))
    Item.objects.update(current=None)
    ItemVersion.objects.all().delete()
    Item.objects.all().delete()

    report = bank_import(content=exported, by=hr)
    assert errors_of(report) == []
    assert sorted(Item.objects.values_list("enemy_group", flat=True)) == ["", "接待-问候", "接待-问候"]


def test_a_file_without_the_enemy_group_column_still_imports(bank, hr):
    columns = [c for c in COLUMNS if c != "互斥组"]
    report = bank_import(content=xlsx([single()], header=columns), by=hr)
    assert errors_of(report) == []
    assert Item.objects.get().enemy_group == ""


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("接待, 问候", "互斥组只能填写一个组名，「接待, 问候」中含有空格或分隔符"),
        ("接待、问候", "互斥组只能填写一个组名，「接待、问候」中含有空格或分隔符"),
        ("组#1", "互斥组名称「组#1」只能由汉字、字母、数字和 _ - . 组成"),
        ("组" * 41, "互斥组名称不能超过 40 个字符"),
    ],
)
def test_a_malformed_enemy_group_cell_is_named_and_nothing_is_imported(bank, hr, cell, message):
    report = bank_import(content=xlsx([single(), multiple(互斥组=cell)]), by=hr)
    assert errors_of(report) == [(3, "互斥组", message)]
    assert Item.objects.count() == 0


def test_regrouping_a_used_item_writes_no_new_version(bank, hr):
    item = make_item(single())
    item_versions_mark_used(version_ids=[item.current_id])
    response = client_for(hr).put(
        f"/api/bank/items/{item.pk}/", {"cells": single(互斥组="接待")}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["version"] == 1
    item.refresh_from_db()
    assert item.enemy_group == "接待"


def test_the_edit_form_sets_the_group_and_the_item_page_lists_the_other_members(bank, hr):
    first = make_item(single(互斥组="接待"))
    second = make_item(single(题干="营业员接待客户时首先应当（　）。"))
    data = {
        "type": "单选",
        "level": "营业五级",
        "knowledge_point": "4.1 沟通技巧",
        "difficulty": "2",
        "stem": "营业员接待客户时首先应当（　）。",
        "option_a": "继续处理手头工作",
        "option_b": "起身微笑问候客户",
        "option_c": "请客户自行取号",
        "option_d": "直接推荐新套餐",
        "answer": "B",
        "explanation": "接待客户应主动问候。",
        "source": "002 第四章第一节",
        "enemy_group": "接待 问候",
        "status": "active",
    }
    response = client_for(hr).post(f"/bank/items/{second.pk}/edit/", data)
    assert "互斥组只能填写一个组名，「接待 问候」中含有空格或分隔符" in response.content.decode()

    data["enemy_group"] = "接待"
    client_for(hr).post(f"/bank/items/{second.pk}/edit/", data)
    second.refresh_from_db()
    assert second.enemy_group == "接待"
    page = client_for(hr).get(f"/bank/items/{first.pk}/").content.decode()
    assert f'href="/bank/items/{second.pk}/"' in page


# --- assembly ------------------------------------------------------------------------------


BLUEPRINT = {
    "single_count": 4,
    "single_points": 10,
    "multiple_count": 2,
    "multiple_points": 20,
    "situational_count": 1,
    "situational_points": 20,
    "chapter_quotas": {"single": {"1": 2, "4": 2}},
}


def rows(groups: dict[int, str]) -> list[list]:
    """Singles 1–12 (1–6 in chapter 1), multiples 13–18, situational 19–22; ``groups`` by version id."""
    out = []
    for vid in range(1, 23):
        kind = "single" if vid <= 12 else "multiple" if vid <= 18 else "situational"
        code = "1.1" if vid <= 6 else "4.1"
        out.append([vid, kind, code, 1 + vid % 3, 0 if kind == "situational" else 4, groups.get(vid, "")])
    return out


def test_two_items_of_one_group_never_share_a_paper():
    # A group inside a pool, one across two chapters, one across singles, multiples and situational.
    groups = {1: "a", 2: "a", 3: "a", 4: "b", 9: "b", 10: "c", 13: "c", 19: "c", 20: "c", 14: "d", 15: "d"}
    pools = pools_from_rows(BLUEPRINT, rows(groups))
    papers = build_all(seed=7, count=300, pools=pools, target=2.0, tolerance=1.0)
    assert len({paper.fingerprint for paper in papers}) == 300
    for paper in papers:
        on_paper = Counter(groups[e.version_id] for e in paper.entries if e.version_id in groups)
        assert max(on_paper.values(), default=0) <= 1, paper.index
    # Every item is still used.
    assert {e.version_id for paper in papers for e in paper.entries} == set(range(1, 23))
    # Deterministic from the seed.
    again = build_all(seed=7, count=300, pools=pools_from_rows(BLUEPRINT, rows(groups)), target=2.0, tolerance=1.0)
    assert [p.entries for p in again] == [p.entries for p in papers]


def test_pools_frozen_before_enemy_groups_still_build_the_same_papers():
    old = [row[:5] for row in rows({})]
    new = rows({})
    built_old = build_all(seed=3, count=50, pools=pools_from_rows(BLUEPRINT, old), target=2.0, tolerance=0.5)
    built_new = build_all(seed=3, count=50, pools=pools_from_rows(BLUEPRINT, new), target=2.0, tolerance=0.5)
    assert [p.entries for p in built_old] == [p.entries for p in built_new]


def test_the_frozen_pool_rows_carry_the_group(bank):
    make_item(single(级别="营业五级", 难度="2", 互斥组="接待"))
    [row] = eligible_pool_rows({"level": 5, "difficulty_min": 1, "difficulty_max": 5})
    assert row[1:] == ["single", "4.1", 2, 4, "接待"]


# --- feasibility ------------------------------------------------------------------------------


def small_blueprint(single_count: int) -> Blueprint:
    return Blueprint.objects.create(
        level=5,
        single_count=single_count,
        single_points=1,
        multiple_count=0,
        multiple_points=2,
        situational_count=0,
        situational_points=10,
        chapter_quotas={"single": {"4": single_count}},
        target_difficulty="2",
        difficulty_tolerance="1",
    )


def test_a_group_counts_once_towards_what_a_paper_can_draw(bank):
    for n, group in zip(range(5), ["接待", "接待", "接待", "", ""], strict=True):
        make_item(single(题干=f"第 {n} 道单选题（　）。", 互斥组=group))
    report = blueprint_feasibility(blueprint=small_blueprint(3))
    [pool] = report.pools
    assert (pool.available, pool.usable, pool.exposure_percent) == (5, 3, 100)
    assert not pool.short
    assert not any("互斥组" in problem for problem in report.problems)

    report = blueprint_feasibility(blueprint=Blueprint(**{**small_fields(4)}))
    assert report.problems[-1] == (
        "第四章 单项选择题需要 4 道，题库中有 5 道，但同一互斥组的题目不能同卷，每份试卷最多只能从中抽出 3 道"
    )


def small_fields(single_count: int) -> dict:
    blueprint = Blueprint.objects.get(level=5)
    fields = {f.name: getattr(blueprint, f.name) for f in Blueprint._meta.concrete_fields if f.name != "id"}
    fields.update(single_count=single_count, chapter_quotas={"single": {"4": single_count}})
    return fields


def test_a_group_shared_by_two_pools_fills_only_one_of_them(bank):
    make_item(single(题干="第一章的题（　）。", 知识点="1.1", 互斥组="营业厅"))
    make_item(single(题干="第四章的题（　）。", 知识点="4.1", 互斥组="营业厅"))
    blueprint = Blueprint.objects.create(
        level=5,
        single_count=2,
        single_points=1,
        multiple_count=0,
        multiple_points=2,
        situational_count=0,
        situational_points=10,
        chapter_quotas={"single": {"1": 1, "4": 1}},
        target_difficulty="2",
        difficulty_tolerance="1",
    )
    report = blueprint_feasibility(blueprint=blueprint)
    assert report.problems[-1] == (
        "互斥组跨多个抽题范围：同一组的题目只能有一道上卷，各范围无法同时抽满。请拆分互斥组或补充题目"
    )
    Item.objects.filter(current__knowledge_point__code="4.1").update(enemy_group="")
    report = blueprint_feasibility(blueprint=blueprint)
    assert not any("互斥组" in p for p in report.problems)


def test_the_blueprint_page_shows_places_per_group(bank, hr):
    for n in range(4):
        make_item(single(题干=f"第 {n} 道单选题（　）。", 互斥组="接待" if n < 2 else ""))
    small_blueprint(2)
    page = client_for(hr).get("/bank/blueprints/5/").content.decode()
    assert "可同卷（按互斥组）" in page
    assert "67%" in page  # 2 of 3 places


def test_pairs_of_a_group_are_spread_over_the_papers():
    groups = {1: "a", 2: "a"}
    pools = pools_from_rows(BLUEPRINT, rows(groups))
    papers = build_all(seed=11, count=120, pools=pools, target=2.0, tolerance=1.0)
    uses = Counter(e.version_id for paper in papers for e in paper.entries)
    # Both members are drawn, each on fewer papers than an ungrouped item of the same pool.
    assert uses[1] > 0 and uses[2] > 0
    assert uses[1] + uses[2] <= 120
    assert all(a != b for a, b in itertools.pairwise(p.fingerprint for p in papers))
