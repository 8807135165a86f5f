"""The certification standard: defaults, validation, versioning, API and pages."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from certify.standard.models import LevelRule, StandardVersion
from certify.standard.services import RULE_FIELDS, rule_values, standard_revise
from tests.conftest import client_for

DESIGN_DEFAULTS = {
    # level: written minutes, single, multiple, situational, practical minutes, weights, typing target
    5: (60, (40, 1), (20, 2), (2, 10), 20, (30, 40, 30), 30),
    4: (75, (30, 1), (20, 2), (3, 10), 35, (20, 40, 40), 40),
    3: (90, (20, 1), (20, 2), (4, 10), 50, (10, 30, 60), 50),
}


def test_the_defaults_are_the_standards_table(standard):
    assert standard.number == 1
    for level, (written, single, multiple, situational, practical, weights, target) in DESIGN_DEFAULTS.items():
        rule = standard.rule_for(level)
        assert rule.written_minutes == written
        assert (rule.single_count, rule.single_points) == single
        assert (rule.multiple_count, rule.multiple_points) == multiple
        assert (rule.situational_count, rule.situational_points) == situational
        assert rule.practical_minutes == practical
        assert (rule.weight_typing, rule.weight_business, rule.weight_scene) == weights
        assert rule.typing_target_cpm == target
        assert rule.typing_minutes == 10
        assert (rule.written_pass_mark, rule.practical_pass_mark) == (60, 60)
        assert (rule.written_examiner_ratio, rule.written_min_examiners) == (30, 2)
        assert (rule.practical_examiner_ratio, rule.practical_min_examiners) == (3, 3)
        assert rule.written_total == 100 and rule.practical_weight_total == 100


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {5: {"single_count": 35}},
            "营业五级：笔试题型分值合计须为 100 分，当前为 95 分（单选 35×1 + 多选 20×2 + 情景分析 2×10）",
        ),
        (
            {4: {"weight_scene": 50}},
            "营业四级：实操三部分权重合计须为 100，当前为 110（文字阅录 20 + 业务受理 40 + 情景模拟 50）",
        ),
        ({3: {"written_minutes": 95}}, "营业三级：笔试时长须在 60–90 分钟之间，当前为 95 分钟"),
        ({5: {"written_minutes": 45}}, "营业五级：笔试时长须在 60–90 分钟之间，当前为 45 分钟"),
        ({4: {"practical_minutes": 55}}, "营业四级：实操时长须在 20–50 分钟之间，当前为 55 分钟"),
        ({5: {"practical_minutes": 15}}, "营业五级：实操时长须在 20–50 分钟之间，当前为 15 分钟"),
        ({5: {"written_min_examiners": 1}}, "营业五级：笔试每个考场不少于 2 名考评员，当前设置为 1"),
        ({5: {"practical_min_examiners": 2}}, "营业五级：实操每个考场不少于 3 名考评员，当前设置为 2"),
        ({3: {"written_examiner_ratio": 40}}, "营业三级：笔试考评员配比不得低于 1:30，当前为 1:40"),
        ({4: {"written_pass_mark": 101}}, "营业四级：笔试合格分 不能超过 100"),
    ],
)
def test_each_rule_of_the_standard_is_enforced_with_its_message(standard, hr, changes, message):
    with pytest.raises(ValidationError) as caught:
        standard_revise(changes=changes, note="试验", by=hr)
    assert message in caught.value.messages
    assert StandardVersion.objects.count() == 1


def test_every_broken_rule_is_listed_at_once(standard, hr):
    with pytest.raises(ValidationError) as caught:
        standard_revise(
            changes={5: {"single_count": 30, "weight_typing": 0}, 3: {"written_minutes": 120}}, note="x", by=hr
        )
    assert len(caught.value.messages) == 3


def test_revising_writes_a_new_version_and_leaves_the_old_one_intact(standard, hr):
    before = {rule.level: rule_values(rule) for rule in standard.rules.all()}
    version = standard_revise(
        changes={5: {"written_minutes": 70, "single_count": 30, "multiple_count": 25}}, note="五级加长", by=hr
    )
    assert version.number == 2
    assert version.created_by == hr
    assert version.rule_for(5).written_minutes == 70
    assert version.rule_for(4).written_minutes == 75
    standard.refresh_from_db()
    assert {rule.level: rule_values(rule) for rule in standard.rules.all()} == before


def test_the_database_refuses_a_rule_that_breaks_the_standard(standard):
    values = rule_values(standard.rule_for(5))
    version = StandardVersion.objects.create(number=99, note="直接写库")
    for field, value in [
        ("single_count", 39),
        ("weight_scene", 31),
        ("written_minutes", 91),
        ("practical_min_examiners", 2),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            LevelRule.objects.create(version=version, level=5, **{**values, field: value})


def test_a_note_is_required(standard, hr):
    with pytest.raises(ValidationError) as caught:
        standard_revise(changes={}, note="  ", by=hr)
    assert caught.value.messages == ["请填写修订说明"]


# --- API -----------------------------------------------------------------------------


def test_the_api_shows_the_current_standard_to_examiners(standard, examiner):
    response = client_for(examiner).get("/api/standard/")
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == 1
    assert [rule["level_name"] for rule in body["rules"]] == ["营业五级", "营业四级", "营业三级"]


def test_an_admin_revises_the_standard_through_the_api(standard, hr):
    response = client_for(hr).post(
        "/api/standard/versions/",
        {"note": "三级延长实操", "changes": {"3": {"practical_minutes": 45}}},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["number"] == 2
    assert StandardVersion.objects.get(number=2).rule_for(3).practical_minutes == 45


def test_the_api_reports_every_broken_rule(standard, hr):
    response = client_for(hr).post(
        "/api/standard/versions/",
        {"note": "错误", "changes": {"5": {"weight_typing": 50}}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": ["营业五级：实操三部分权重合计须为 100，当前为 120（文字阅录 50 + 业务受理 40 + 情景模拟 30）"]
    }
    assert StandardVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"6": {"written_minutes": 70}}, "未知的级别：6"), ({"5": {"colour": 1}}, "未知的规则字段：colour")],
)
def test_the_api_names_unknown_levels_and_fields(standard, hr, changes, message):
    response = client_for(hr).post(
        "/api/standard/versions/", {"note": "x", "changes": changes}, content_type="application/json"
    )
    assert response.status_code == 400
    assert message in str(response.json()["changes"])


def test_an_examiner_cannot_change_the_standard(standard, examiner, chief):
    for user in (examiner, chief):
        response = client_for(user).post(
            "/api/standard/versions/",
            {"note": "越权", "changes": {"5": {"written_minutes": 70}}},
            content_type="application/json",
        )
        assert response.status_code == 403
        assert response.json()["detail"] == "只有认证管理员可以执行此操作。"
    assert StandardVersion.objects.count() == 1


# --- pages and admin -------------------------------------------------------------------


def form_data(version: StandardVersion, **overrides) -> dict:
    data = {"note": "页面修订"}
    for rule in version.rules.all():
        for field in RULE_FIELDS:
            data[f"level{rule.level}_{field}"] = getattr(rule, field)
    data.update(overrides)
    return data


def test_an_admin_revises_the_standard_on_its_page(standard, hr):
    client = client_for(hr)
    response = client.post("/standard/", form_data(standard, level4_typing_target_cpm=45), follow=True)
    assert response.status_code == 200
    assert "已保存为认证标准第 2 版。" in response.content.decode()
    assert StandardVersion.objects.get(number=2).rule_for(4).typing_target_cpm == 45


def test_the_page_shows_what_is_wrong_and_saves_nothing(standard, hr):
    response = client_for(hr).post("/standard/", form_data(standard, level3_weight_typing=20))
    assert response.status_code == 200
    assert "营业三级：实操三部分权重合计须为 100，当前为 110" in response.content.decode()
    assert StandardVersion.objects.count() == 1


def test_an_examiner_sees_the_standard_but_no_revision_form(standard, examiner):
    client = client_for(examiner)
    page = client.get("/standard/").content.decode()
    assert "营业五级" in page and "修订认证标准" not in page
    assert client.post("/standard/", form_data(standard)).status_code == 403


def test_editing_a_rule_in_the_django_admin_writes_a_new_version(standard, hr):
    client = client_for(hr)
    rule = standard.rule_for(5)
    data = {field: getattr(rule, field) for field in RULE_FIELDS}
    data["typing_target_cpm"] = 35
    response = client.post(f"/admin/certify/levelrule/{rule.pk}/change/", data)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.typing_target_cpm == 30
    assert StandardVersion.objects.get(number=2).rule_for(5).typing_target_cpm == 35
    # The old version is frozen in the admin.
    assert client.post(f"/admin/certify/levelrule/{rule.pk}/change/", data).status_code == 403


def test_the_django_admin_refuses_a_rule_that_breaks_the_standard(standard, hr):
    rule = standard.rule_for(5)
    data = {field: getattr(rule, field) for field in RULE_FIELDS}
    data["practical_minutes"] = 60
    response = client_for(hr).post(f"/admin/certify/levelrule/{rule.pk}/change/", data)
    assert response.status_code == 200
    assert "营业五级：实操时长须在 20–50 分钟之间，当前为 60 分钟" in response.content.decode()
    assert StandardVersion.objects.count() == 1
