"""Blueprints: defaults from the standard, validation, and a feasibility check that says what is short."""

import pytest

from certify.standard.services import standard_revise
from question_bank.models import Blueprint
from question_bank.services.blueprints import blueprint_feasibility, blueprints_load_defaults
from question_bank.services.items import knowledge_points_load
from tests.bank_helpers import make_item, multiple, single, situational
from tests.conftest import client_for


@pytest.fixture
def blueprints(standard):
    knowledge_points_load()
    blueprints_load_defaults()
    return {bp.level: bp for bp in Blueprint.objects.all()}


def test_defaults_come_from_the_standard(blueprints):
    bp = blueprints[4]
    assert (bp.single_count, bp.single_points, bp.multiple_count, bp.situational_count) == (30, 1, 20, 3)
    assert bp.quotas_for("single") == {"1": 6, "2": 8, "4": 16}
    assert bp.multiple_policy == "strict"


def test_an_empty_bank_is_short_everywhere_with_exact_messages(blueprints):
    report = blueprint_feasibility(blueprint=blueprints[4])
    assert not report.ok
    assert report.problems[0] == (
        "第一章 单项选择题需要 6 道（营业四级及以下级别、难度 1–5），题库中只有 0 道启用的题目"
    )
    assert "情景分析题需要 3 道（营业四级及以下级别、难度 1–5），题库中只有 0 道启用的题目" in report.problems
    assert report.distinct_papers == 0


def test_a_small_bank_that_fits_reports_the_number_of_different_papers(standard, hr):
    knowledge_points_load()
    for index in range(4):
        make_item(single(题干=f"第四章单选题 {index}？", 难度=str(2 + index % 2)))
        make_item(multiple(题干=f"第四章多选题 {index}？", 级别="营业五级"))
    for index in range(3):
        make_item(situational(案例=f"案例 {index}", 级别="营业五级"))
    blueprint = Blueprint.objects.create(
        level=5,
        single_count=2,
        single_points=20,
        multiple_count=2,
        multiple_points=20,
        situational_count=2,
        situational_points=10,
        chapter_quotas={"single": {"4": 2}},
        target_difficulty="2.8",
        difficulty_tolerance="0.5",
    )
    report = blueprint_feasibility(blueprint=blueprint)
    # C(4,2) singles × C(4,2) multiples × C(3,2) situational
    assert report.distinct_papers == 6 * 6 * 3
    assert report.mean_range == pytest.approx((3.0, 10 / 3))  # singles 2,2–3,3; multiples 3; situational 4
    # The counts differ from the standard in force, and that is said.
    assert report.problems == [
        "组卷规则的题量与现行认证标准不一致：单项选择 2×20 分（标准为 40×1 分）；多项选择 2×20 分（标准为 20×2 分）。"
        "请调整各章题量后保存组卷规则"
    ]


def test_a_difficulty_target_out_of_reach_is_explained(standard):
    knowledge_points_load()
    for index in range(3):
        make_item(single(题干=f"容易的题 {index}？", 难度="1"))
    blueprint = Blueprint.objects.create(
        level=5,
        single_count=40,
        single_points=1,
        multiple_count=20,
        multiple_points=2,
        situational_count=2,
        situational_points=10,
        target_difficulty="3",
        difficulty_tolerance="0.5",
    )
    blueprint.single_count, blueprint.multiple_count, blueprint.situational_count = 2, 0, 0
    report = blueprint_feasibility(blueprint=blueprint)
    assert "平均难度目标 3±0.5 无法达到：题库能组出的平均难度在 1.00–1.00 之间" in report.problems


def test_retired_items_and_higher_levels_do_not_count(standard):
    knowledge_points_load()
    make_item(single(题干="停用的题？"), status="retired")
    make_item(single(题干="三级的题？", 级别="营业三级"))
    make_item(single(题干="五级的题？", 级别="营业五级"))
    blueprint = Blueprint.objects.create(
        level=4,
        single_count=30,
        single_points=1,
        multiple_count=20,
        multiple_points=2,
        situational_count=3,
        situational_points=10,
    )
    pools = {pool.item_type: pool for pool in blueprint_feasibility(blueprint=blueprint).pools}
    assert pools["single"].available == 1  # only the level-5 item: level 3 is above, retired is out


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"quota_single_1": "10"}, "营业四级：单项选择题各章题量合计 34 道，应等于题量 30 道"),
        ({"target_difficulty": "4.9", "difficulty_max": "4"}, "营业四级：目标平均难度 4.9 不在难度范围 1–4 之内"),
        ({"difficulty_tolerance": "3"}, "营业四级：平均难度允许偏差须在 0.1–2 之间"),
    ],
)
def test_the_blueprint_page_refuses_inconsistent_rules(blueprints, hr, post, message):
    data = blueprint_form_data(blueprints[4])
    data.update(post)
    response = client_for(hr).post("/bank/blueprints/4/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    blueprints[4].refresh_from_db()
    assert blueprints[4].quotas_for("single") == {"1": 6, "2": 8, "4": 16}


def test_saving_a_blueprint_takes_counts_from_the_standard_in_force(blueprints, hr):
    standard_revise(changes={4: {"single_count": 40, "multiple_count": 15}}, note="四级调整", by=hr)
    data = blueprint_form_data(blueprints[4])
    data.update({"quota_single_4": "26", "quota_multiple_4": "6", "multiple_policy": "partial"})
    response = client_for(hr).post("/bank/blueprints/4/", data, follow=True)
    assert "组卷规则已保存。" in response.content.decode()
    blueprints[4].refresh_from_db()
    assert (blueprints[4].single_count, blueprints[4].multiple_count) == (40, 15)
    assert blueprints[4].multiple_policy == "partial"


def test_the_api_reports_feasibility(blueprints, hr):
    response = client_for(hr).get("/api/bank/blueprints/5/feasibility/")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False
    assert body["pools"][0] == {"type": "single", "chapter": "1", "needed": 8, "available": 0}


def test_the_api_refuses_quotas_that_do_not_add_up(blueprints, hr):
    response = client_for(hr).patch(
        "/api/bank/blueprints/3/",
        {"chapter_quotas": {"single": {"1": 1, "2": 1, "4": 1}}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"errors": ["营业三级：单项选择题各章题量合计 3 道，应等于题量 20 道"]}


def blueprint_form_data(blueprint) -> dict:
    data = {
        "difficulty_min": blueprint.difficulty_min,
        "difficulty_max": blueprint.difficulty_max,
        "target_difficulty": blueprint.target_difficulty,
        "difficulty_tolerance": blueprint.difficulty_tolerance,
        "multiple_policy": blueprint.multiple_policy,
    }
    for item_type in ("single", "multiple", "situational"):
        for chapter, count in blueprint.quotas_for(item_type).items():
            data[f"quota_{item_type}_{chapter}"] = count
    return data
