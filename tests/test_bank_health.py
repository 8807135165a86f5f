"""题库体检: each rule trips on an item built to break it, stays quiet on a clean one; the page and the command."""

import pytest
from django.core.management import CommandError, call_command

from question_bank.models import FindingReview
from question_bank.services.blueprints import blueprints_load_defaults
from question_bank.services.health import bank_check, finding_review
from question_bank.services.items import knowledge_points_load
from tests.bank_helpers import make_item, multiple, single, situational
from tests.conftest import client_for


@pytest.fixture
def bank(standard):
    knowledge_points_load()


def clean(**overrides) -> dict[str, str]:
    """A single-choice item with nothing a reviewer would send back."""
    cells = single(
        级别="营业五级",
        知识点="1.1",
        难度="2",
        题干="营业厅转型的出发点是（　）。",
        选项A="客户感知",
        选项B="柜台数量",
        选项C="员工人数",
        选项D="营业面积",
        答案="A",
        解析="原文：“营业厅应从客户感知出发”",
        来源="002 第一章第一节 营业厅定位",
    )
    cells.update(overrides)
    return cells


def findings(rule: str) -> list:
    return [f for f in bank_check().findings if f.rule == rule]


def test_a_clean_item_trips_no_rule(bank):
    make_item(clean())
    assert bank_check().findings == []


def test_a_key_much_longer_than_every_other_option_is_reported(bank):
    item = make_item(clean(选项A="营业厅应当从客户的真实感知出发来推动转型"))
    [finding] = findings("key_longest")
    assert finding.item_ids == (item.pk,)
    assert finding.rule_label == "答案选项明显最长"
    assert finding.message == "答案 A 有 20 字，其余选项最长 4 字"


def test_multiple_choice_whose_keys_are_all_longer_than_the_distractors_is_reported(bank):
    make_item(
        multiple(
            选项A="根据客户的消费情况推荐合适的套餐",
            选项B="不问",
            选项C="在办理业务的同时介绍相关增值业务",
            选项D="演示",
            答案="AC",
            解析="原文：“营业厅主动营销,就是营业员在营业厅内发现和把握恰当的销售机会”",
        )
    )
    assert [f.message for f in findings("key_longest")] == [
        "每个答案选项都比每个干扰项长（答案最短 16 字，干扰项最长 2 字）"
    ]


def test_every_option_keyed_is_reported_and_three_of_four_is_not(bank):
    make_item(multiple(答案="ABCD"))
    make_item(multiple(题干="营业员主动营销的做法有（　）。", 答案="ACD"))
    assert [f.message for f in findings("all_keyed")] == ["4 个选项全部是答案"]


def test_a_stem_word_repeated_only_in_the_key_is_reported(bank):
    make_item(
        clean(
            题干="营业员要做一名“服务大使”，这是对哪一角色的认知（　）。",
            选项A="客户的服务大使",
            选项B="企业的形象代表",
            选项C="信息的传播沟通者",
            选项D="客户的理财顾问",
        )
    )
    assert [f.message for f in findings("stem_cue")] == ["题干中的「服务大使」只出现在答案中"]


def test_near_duplicate_stems_are_reported_until_they_share_an_enemy_group(bank, hr):
    first = make_item(clean(题干="一级营业厅的营业面积一般为（　）。"))
    second = make_item(clean(题干="二级营业厅的营业面积一般为（　）。", 答案="B"))
    # Zero-width characters and full-width forms do not hide a duplicate.
    third = make_item(clean(题干="三级营\u200b业厅的营业面积一般为（　）。", 答案="C"))
    pairs = {f.item_ids for f in findings("near_duplicate")}
    assert pairs == {(first.pk, second.pk), (first.pk, third.pk), (second.pk, third.pk)}

    for item in (first, second, third):
        response = client_for(hr).put(
            f"/api/bank/items/{item.pk}/",
            {"cells": {**clean(题干=item.current.stem, 答案=item.current.answer), "互斥组": "营业厅面积"}},
            content_type="application/json",
        )
        assert response.status_code == 200, response.json()
    assert findings("near_duplicate") == []


def test_a_choice_key_restating_a_situational_key_point_is_an_enemy_conflict(bank):
    scene = make_item(
        situational(
            级别="营业五级",
            难度="3",
            案例="一位客户带着激烈情绪在营业厅大声说要见领导。",
            评分要点="先请客户到客户接待室，避免情绪在现场传播|5|接待室\n倒茶并联系值班经理|5|值班经理",
            解析="原文：“先请客户到客户接待室,避免因为客户投诉时的激烈情绪及批评在营业厅现场传播”",
            来源="001 经典场景案例",
        )
    )
    giveaway = make_item(
        clean(
            题干="客户情绪激动地要求见领导时，营业员应当（　）。",
            选项A="先请客户到客户接待室，避免情绪在现场传播",
            选项B="请客户在柜台前把话说完，再去请示领导",
            选项C="告诉客户领导不在，请他改天再来营业厅",
            选项D="请客户写下书面投诉材料，交由值班经理",
            解析="原文：“给客户倒杯茶水,及时联系值班经理,同时安抚客户情绪”",
            来源="001 经典场景案例",
        )
    )
    [finding] = findings("enemy_conflict")
    assert finding.item_ids == (scene.pk, giveaway.pk)
    assert "选择题的答案复述了情景分析题的评分要点" in finding.message


def test_two_items_quoting_the_same_sentence_are_an_enemy_conflict(bank):
    make_item(clean())
    make_item(clean(题干="营业厅应从什么出发实现功能转型（　）。", 选项A="客户的感知", 选项B="营业的面积"))
    [finding] = findings("enemy_conflict")
    assert "解析引用同一句原文" in finding.message


def test_a_quote_not_in_the_cited_seed_is_reported(bank):
    make_item(clean(解析="原文：“营业厅应当一切以利润为中心”"))
    make_item(clean(题干="客户进厅时营业员应当（　）。", 解析="接待客户应主动问候。"))
    assert sorted(f.message for f in findings("quote_missing")) == [
        "解析引用的原文在 002_67ef0a5b71d64a0f.txt 中找不到",
        "解析没有以“…”引用 002_67ef0a5b71d64a0f.txt 的原文",
    ]


def test_seed_004_is_matched_in_simplified_characters(bank):
    make_item(
        clean(
            级别="营业四级",
            知识点="4.4",
            题干="客户受竞争对手误导要离网时，营业员首先应当（　）。",
            选项A="不与客户争执，询问竞争对手的信息",
            选项B="立即为客户办理离网，不再多问",
            选项C="指出竞争对手的宣传全是假的",
            选项D="请客户先回家想清楚再来",
            解析="原文：“不要与客户争执,询问客户关于竞争对手信息”",
            来源="004 竞争对手与客户保持策略",
        )
    )
    assert findings("quote_missing") == []


def test_difficulty_out_of_line_with_the_level_is_reported(bank):
    make_item(clean(难度="5"))
    make_item(
        clean(题干="营业厅从何出发（　）？", 级别="营业三级", 难度="1", 解析="原文：“营业厅应从客户感知出发，逐步实现”")
    )
    assert sorted(f.message for f in findings("difficulty_level")) == [
        "营业三级的题目难度应在 2–5 之间，本题为 1",
        "营业五级的题目难度应在 1–3 之间，本题为 5",
    ]


def test_a_blueprint_pool_the_bank_cannot_fill_below_full_exposure_is_reported(bank):
    blueprints_load_defaults()
    make_item(clean())
    thin = findings("thin_pool")
    assert "营业五级每份试卷需要第一章 单项选择题 8 道，可同卷的只有 1 道（曝光率 ≥ 100%）" in [f.message for f in thin]
    assert all(f.item_ids == () for f in thin)


def test_a_finding_reviewed_with_a_reason_is_no_longer_open(bank, hr):
    make_item(multiple(答案="ABCD", 解析="原文：“营业厅主动营销,就是营业员在营业厅内发现和把握恰当的销售机会”"))
    [finding] = findings("all_keyed")
    finding_review(key=finding.key, reason="四项都是原文列出的做法，保留", by=hr)
    report = bank_check()
    assert [f.rule for f in report.open] == []
    assert report.reviewed[0].review.reason == "四项都是原文列出的做法，保留"


# --- the page ---------------------------------------------------------------------------------


def test_the_health_page_lists_findings_per_item_with_their_rule(bank, hr):
    item = make_item(multiple(答案="ABCD", 解析="原文：“营业厅主动营销,就是营业员在营业厅内发现和把握恰当的销售机会”"))
    response = client_for(hr).get("/bank/health/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"第 {item.pk} 题" in page
    assert "全部选项都是答案</strong>：4 个选项全部是答案" in page
    assert "待处理的问题 1 条" in page
    # The bank's tabs link to it.
    assert 'href="/bank/health/"' in client_for(hr).get("/bank/").content.decode()


def test_marking_a_finding_reviewed_needs_a_reason_and_is_stored(bank, hr):
    make_item(multiple(答案="ABCD", 解析="原文：“营业厅主动营销,就是营业员在营业厅内发现和把握恰当的销售机会”"))
    [finding] = findings("all_keyed")
    client = client_for(hr)

    response = client.post("/bank/health/review/", {"key": finding.key, "reason": "  "}, follow=True)
    assert "请填写复核理由：为什么这一问题可以接受" in response.content.decode()
    assert FindingReview.objects.count() == 0

    response = client.post("/bank/health/review/", {"key": finding.key, "reason": "原文四项并列，保留"}, follow=True)
    assert "已标记为已复核。" in response.content.decode()
    review = FindingReview.objects.get()
    assert (review.rule, review.reason, review.reviewed_by) == ("all_keyed", "原文四项并列，保留", hr)
    assert "没有待处理的问题" in client.get("/bank/health/").content.decode()
    assert "原文四项并列，保留" in client.get("/bank/health/?reviewed=1").content.decode()

    client.post("/bank/health/review/", {"key": finding.key, "withdraw": "1"})
    assert FindingReview.objects.count() == 0


def test_only_certification_admins_reach_the_health_page(bank, examiner, candidate, client):
    response = client.get("/bank/health/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    for user in (examiner, candidate.user):
        assert client_for(user).get("/bank/health/").status_code == 403
        assert client_for(user).post("/bank/health/review/", {"key": "all_keyed:x", "reason": "x"}).status_code == 403
    assert FindingReview.objects.count() == 0


def test_the_item_page_shows_its_findings_and_its_enemy_group(bank, hr):
    item = make_item(clean(选项A="营业厅应当从客户的真实感知出发来推动转型", 互斥组="转型出发点"))
    other = make_item(clean(题干="营业厅以什么为出发点转型（　）。", 互斥组="转型出发点"))
    page = client_for(hr).get(f"/bank/items/{item.pk}/").content.decode()
    assert "答案选项明显最长" in page
    assert "转型出发点" in page
    assert f'href="/bank/items/{other.pk}/"' in page


# --- the command --------------------------------------------------------------------------------


def test_the_command_lists_open_findings_and_exits_with_status_1(bank, capsys):
    item = make_item(multiple(答案="ABCD", 解析="原文：“营业厅主动营销,就是营业员在营业厅内发现和把握恰当的销售机会”"))
    with pytest.raises(CommandError, match="题库体检发现 1 条未处理的问题") as raised:
        call_command("bank_check")
    assert raised.value.returncode == 1
    out = capsys.readouterr().out
    assert f"第 {item.pk} 题（多项选择·营业四级·4.2）" in out
    assert "[全部选项都是答案] 4 个选项全部是答案（待处理）" in out


def test_the_command_passes_when_every_finding_is_reviewed(bank, hr, capsys):
    make_item(multiple(答案="ABCD", 解析="原文：“营业厅主动营销,就是营业员在营业厅内发现和把握恰当的销售机会”"))
    [finding] = findings("all_keyed")
    finding_review(key=finding.key, reason="保留", by=hr)
    call_command("bank_check", "--reviewed")
    out = capsys.readouterr().out
    assert "已复核：保留" in out
    assert "题库体检通过。" in out


def test_the_api_lists_findings_and_takes_a_review(bank, hr, examiner):
    make_item(multiple(答案="ABCD", 解析="原文：“营业厅主动营销,就是营业员在营业厅内发现和把握恰当的销售机会”"))
    client = client_for(hr)
    body = client.get("/api/bank/health/").json()
    assert body["open"] == 1
    [finding] = body["findings"]
    assert (finding["rule"], finding["rule_label"], finding["reviewed"]) == ("all_keyed", "全部选项都是答案", False)

    response = client.post(
        "/api/bank/health/reviews/", {"key": finding["key"], "reason": ""}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"errors": ["请填写复核理由：为什么这一问题可以接受"]}
    response = client.post(
        "/api/bank/health/reviews/", {"key": finding["key"], "reason": "保留"}, content_type="application/json"
    )
    assert response.status_code == 204
    assert client.get("/api/bank/health/").json()["open"] == 0
    assert client_for(examiner).get("/api/bank/health/").status_code == 403
