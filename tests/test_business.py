"""业务受理: checking orders against the shipped scenario cards, the fee breakdown, and the
simulated support system's API (start, customer search, fees, one submission per task)."""

import copy
import json
from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.conf import settings

from certify.site.exam_day import perfect_order
from exams.planning.models import Enrollment
from exams.practical.business import business_finalize_expired, business_start, business_task_submit
from exams.practical.material import material_load
from exams.practical.models import BusinessAttempt, BusinessTask
from grading.scoring.business import BusinessRules, check_order, fee_lines
from tests.conftest import client_for
from tests.exam_helpers import running_now, synthetic_bank

CARDS = {card["code"]: card for card in json.loads((settings.BASE_DIR / "fixtures" / "scenarios.json").read_text())}
PRODUCTS = {
    p["code"]: p for p in json.loads((settings.BASE_DIR / "fixtures" / "catalogue.json").read_text())["products"]
}
BUDGET = 300  # seconds per task (level 5: 10 minutes for 2 tasks)
# The standard's defaults (fixtures/standard.json).
RULES = BusinessRules(
    weights={
        "business": 20,
        "product": 25,
        "number": 5,
        "address": 20,
        "slot": 5,
        "addons": 15,
        "payment": 5,
        "time": 5,
    },
    bundle_cap=30,
    refusal_base=60,
)


def perfect(card: dict) -> dict:
    """The order a careful clerk submits for ``card``."""
    return perfect_order(
        expected=card["expected"], presented=card["presented"], customer_id_number=card["customer"]["id_number"]
    )


def check(card: dict, order: dict, seconds: float = 60):
    return check_order(card, order, seconds_used=seconds, budget_seconds=BUDGET, rules=RULES)


@pytest.mark.parametrize("code", sorted(CARDS))
def test_a_perfect_order_scores_full_marks_on_every_card(code):
    result = check(CARDS[code], perfect(CARDS[code]))
    assert result.score == Decimal(100), result.fields
    assert result.critical == []


def test_one_wrong_field_costs_exactly_its_weight():
    card = CARDS["B07"]  # e8 99: business 20, product 25, number 5, slot 5, address 20, payment 5, time 5 = 85
    order = perfect(card)
    order["fixed_line"]["slot"] = "下午"  # the customer asked for the morning
    result = check(card, order)
    assert result.score == Decimal("94.12")  # 80 / 85
    slot = next(f for f in result.fields if f["field"] == "slot")
    assert slot["earned"] == "0.00" and "上午" in slot["note"]


def test_one_of_two_addresses_wrong_earns_half_the_address_points():
    card = CARDS["B07"]
    order = perfect(card)
    order["broadband"]["address"] = order["broadband"]["address"].replace("704室", "702室")
    result = check(card, order)
    assert result.score == Decimal("88.24")  # 75 / 85


def test_an_address_matches_whatever_the_spaces_punctuation_and_width():
    card = CARDS["B01"]
    order = perfect(card)
    order["fixed_line"]["address"] = " 杭州市西湖区文三路２５８号5幢，2单元 402室 "
    assert check(card, order).score == Decimal(100)


# --- critical mistakes ----------------------------------------------------------------------


def test_an_order_for_another_customer_scores_zero():
    card = CARDS["B01"]
    order = perfect(card)
    order["customer_id_number"] = CARDS["B02"]["customer"]["id_number"]
    result = check(card, order)
    assert result.score == 0 and result.critical == ["客户错误：受理单不是该客户的"]


def test_an_order_without_the_real_name_check_scores_zero():
    card = CARDS["B03"]
    order = perfect(card)
    order["realname"]["verified"] = False
    result = check(card, order)
    assert result.score == 0 and result.critical == ["未进行实名核验"]


def test_a_real_name_check_with_other_details_than_the_presented_document_scores_zero():
    card = CARDS["B03"]
    order = perfect(card)
    order["realname"]["id_number"] = order["realname"]["id_number"][:-1] + "0"
    result = check(card, order)
    assert result.score == 0 and result.critical == ["实名核验所录证件与客户出示的证件不符"]


def test_a_bundle_the_customer_did_not_ask_for_caps_the_score_at_30():
    card = CARDS["B19"]  # "only an ordinary fixed line, no bundles"
    order = perfect(card)
    order["business"], order["bundle"] = "bundle", "E8-99"
    result = check(card, order)
    assert result.score == Decimal(30) and result.critical == ["推荐了客户未要求的套餐"]


def test_refusing_an_order_that_should_be_taken_scores_zero():
    card = CARDS["B01"]
    order = perfect(card)
    order["action"], order["advice"] = "refuse", "系统忙"
    result = check(card, order)
    assert result.score == 0 and result.critical == ["拒绝了应受理的业务"]


# --- traps ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["B16", "B17", "B18"])  # no ID, agent without authorisation, name mismatch
def test_ordering_where_the_card_says_refuse_scores_zero(code):
    card = CARDS[code]
    order = perfect(CARDS["B14"])  # a well-formed move order…
    order["customer_id_number"] = card["customer"]["id_number"]  # …for this card's customer
    if card["presented"]:
        order["realname"] = {**card["presented"], "verified": True}
    result = check(card, order)
    assert result.score == 0
    assert result.critical[0].startswith("受理了应拒绝的业务")


def test_a_right_refusal_earns_60_plus_the_advice_given():
    card = CARDS["B16"]  # keywords 机主, 身份证, 10000
    order = perfect(card)
    assert check(card, order).score == Decimal(100)
    order["advice"] = "请带机主的证件再来"  # one keyword of three
    assert check(card, order).score == Decimal("74.67")  # (60 + 40/3) × 0.95 + 5
    order["advice"] = "不能办理"
    assert check(card, order).score == Decimal("62.00")  # 60 × 0.95 + 5


def test_a_bundle_that_does_not_fit_the_customer_loses_the_product_points():
    card = CARDS["B20"]  # elderly, phones family only: e6 49, not an e8 with broadband
    order = perfect(card)
    order["bundle"] = "E8-99"
    order["broadband"] = {"tier": "BB-20M", "modem": "MODEM-RENT", "address": card["expected"]["fixed_line"]["address"]}
    result = check(card, order)
    product = next(f for f in result.fields if f["field"] == "product")
    assert product["earned"] == "0.00" and result.score < 75


def test_an_addon_the_bundle_already_includes_counts_as_extra():
    card = CARDS["B09"]  # e8 169 includes caller ID and ring-back; the customer also wants call forwarding
    order = perfect(card)
    order["addons"] = ["ADD-CF", "ADD-CLIP"]
    result = check(card, order)
    addons = next(f for f in result.fields if f["field"] == "addons")
    assert addons["earned"] == "7.50" and "多办 ADD-CLIP" in addons["note"]


def test_copying_the_old_address_from_the_system_on_a_move_loses_the_address_points():
    card = CARDS["B14"]
    order = perfect(card)
    order["new_address"] = card["existing_lines"][0]["address"]
    result = check(card, order)
    assert next(f for f in result.fields if f["field"] == "address")["earned"] == "0.00"


def test_time_used_counts_five_points_fading_from_half_the_budget_to_all_of_it():
    card = CARDS["B01"]
    order = perfect(card)
    assert check(card, order, seconds=BUDGET / 2).score == Decimal(100)
    assert check(card, order, seconds=BUDGET * 3 / 4).fields[-1]["earned"] == "2.50"
    assert check(card, order, seconds=BUDGET).score == Decimal(95)  # every field applies: 95 / 100
    assert check(card, order, seconds=BUDGET * 2).score == Decimal(95)  # late: no time points, no penalty


# --- fees -----------------------------------------------------------------------------------


def test_the_fee_breakdown_of_a_bundle_lists_its_components_at_zero():
    order = perfect(CARDS["B07"])  # e8 99 with a rented modem
    fees = fee_lines(order, PRODUCTS)
    assert [(line["code"], line["monthly"], line["one_time"]) for line in fees["lines"]] == [
        ("E8-99", "99.00", "100.00"),
        ("FIX-STD", "0.00", "0.00"),
        ("BB-20M", "0.00", "0.00"),
        ("ADD-CLIP", "0.00", "0.00"),
        ("MODEM-RENT", "5.00", "0.00"),
    ]
    assert fees["monthly_total"] == "104.00" and fees["due_now"] == "100.00"


def test_the_fee_breakdown_of_a_fixed_line_with_caller_id():
    fees = fee_lines(perfect(CARDS["B01"]), PRODUCTS)
    assert [line["code"] for line in fees["lines"]] == ["FIX-STD", "ADD-CLIP"]
    assert fees["monthly_total"] == "24.00" and fees["one_time_total"] == "100.00"


# --- the simulated system -----------------------------------------------------------------------


@pytest.fixture
def sitting(org, standard):
    synthetic_bank()
    material_load()
    return running_now(org, candidates=2, practical=True)


@pytest.fixture
def enrollment(sitting):
    return Enrollment.objects.filter(sitting=sitting).select_related("candidate__user").order_by("pk").first()


@pytest.mark.django_db
def test_the_part_deals_the_levels_cards_starting_with_a_core_business(enrollment):
    attempt = business_start(enrollment=enrollment, user=enrollment.candidate.user)
    tasks = list(attempt.tasks.select_related("scenario").order_by("position"))
    assert len(tasks) == 2 and attempt.deadline - attempt.started_at == timedelta(minutes=10)
    assert all(5 in t.scenario.levels for t in tasks)
    assert tasks[0].scenario.expected["business"] in ("new_fixed", "new_broadband", "bundle")
    assert business_start(enrollment=enrollment, user=enrollment.candidate.user).pk == attempt.pk


@pytest.mark.django_db
def test_the_api_takes_one_order_per_task_and_scores_the_part(enrollment, other_candidate):
    user = enrollment.candidate.user
    client = client_for(user)
    assert client.get("/api/practical/customers/?q=林晓峰").status_code == 403  # not working yet
    response = client.post(f"/api/enrollments/{enrollment.pk}/business/")
    assert response.status_code == 200
    body = response.json()
    assert "expected" not in json.dumps(body, ensure_ascii=False)  # the answer never leaves the server
    first, second = body["tasks"]
    task = BusinessTask.objects.select_related("scenario").get(pk=first["id"])
    card = {k: getattr(task.scenario, k) for k in ("customer", "presented", "expected", "traps", "existing_lines")}

    found = client.get("/api/practical/customers/", {"q": card["customer"]["id_number"]}).json()["results"]
    assert [c["name"] for c in found] == [card["customer"]["name"]]
    assert client.get("/api/practical/customers/?q=x").status_code == 400

    order = perfect(card)
    fees = client.post("/api/practical/fees/", {"order": order}, content_type="application/json").json()
    assert Decimal(fees["due_now"]) >= 0 and fees["lines"]

    stranger = client_for(other_candidate.user)
    url = f"/api/practical/business/tasks/{task.pk}/"
    assert stranger.post(url, {"order": order}, content_type="application/json").status_code == 404
    bad = client.post(url, {"order": {**order, "bundle": "E9-999"}}, content_type="application/json")
    assert bad.status_code == 400 and "目录中没有 E9-999" in bad.json()["detail"]
    assert client.post(url, {"order": "x"}, content_type="application/json").json()["detail"] == "受理单格式不正确"

    ok = client.post(url, {"order": order}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["order_no"].startswith("SL")
    again = client.post(url, {"order": order}, content_type="application/json")
    assert again.status_code == 400 and "已提交" in again.json()["detail"]
    task.refresh_from_db()
    assert task.score == Decimal(100)

    attempt = BusinessAttempt.objects.get(enrollment=enrollment)
    assert attempt.status == "in_progress"
    assert business_finalize_expired(now=attempt.deadline + timedelta(seconds=11)) == 1
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.score == Decimal(50)  # (100 + 0) / 2
    late = client.post(
        f"/api/practical/business/tasks/{second['id']}/", {"order": order}, content_type="application/json"
    )
    assert late.status_code == 409 and "已结束" in late.json()["detail"]


@pytest.mark.django_db
def test_an_order_after_the_deadline_is_refused_and_the_part_submitted(enrollment):
    attempt = business_start(enrollment=enrollment, user=enrollment.candidate.user)
    task = attempt.tasks.order_by("position").first()
    order = copy.deepcopy(perfect(CARDS["B01"]))
    from exams.clock import AttemptClosed

    with pytest.raises(AttemptClosed, match="时间已到"):
        business_task_submit(task=task, order=order, now=attempt.deadline + timedelta(seconds=11))
    attempt.refresh_from_db()
    task.refresh_from_db()
    assert attempt.status == "submitted" and attempt.score == 0 and task.order is None


@pytest.mark.django_db
def test_a_body_that_is_not_an_order_is_refused_by_name(enrollment):
    client = client_for(enrollment.candidate.user)
    body = client.post(f"/api/enrollments/{enrollment.pk}/business/").json()
    url = f"/api/practical/business/tasks/{body['tasks'][0]['id']}/"
    for bad in ([1, 2], {"order": "x"}, {}):
        response = client.post(url, bad, content_type="application/json")
        assert response.status_code == 400 and response.json()["detail"] == "受理单格式不正确"
        fees = client.post("/api/practical/fees/", bad, content_type="application/json")
        assert fees.status_code == 400 and fees.json()["detail"] == "受理单格式不正确"
    assert not BusinessTask.objects.filter(submitted_at__isnull=False).exists()


@pytest.mark.django_db
def test_the_sample_catalogue_is_edited_in_the_admin_and_the_fees_follow(hr, enrollment):
    from exams.practical.models import Product

    product = Product.objects.get(code="ADD-CLIP")
    admin = client_for(hr)
    assert "产品目录（示例）" in admin.get("/admin/exams/product/").content.decode()
    data = {
        "code": product.code,
        "kind": product.kind,
        "family": "",
        "name": product.name,
        "monthly_fee": "8.00",
        "one_time_fee": "0.00",
        "speed_mbps": "",
        "components": "[]",
        "description": product.description,
        "active": "on",
    }
    assert admin.post(f"/admin/exams/product/{product.pk}/change/", data).status_code == 302
    candidate = client_for(enrollment.candidate.user)
    fees = candidate.post("/api/practical/fees/", {"order": perfect(CARDS["B01"])}, content_type="application/json")
    assert fees.json()["monthly_total"] == "26.00"  # fixed line 18 + caller ID now 8


@pytest.mark.parametrize("code", sorted(CARDS))
def test_the_order_a_careful_clerk_submits_is_complete_on_every_card(code):
    from exams.practical.business import clean_order, order_gaps

    assert order_gaps(clean_order(perfect(CARDS[code]), PRODUCTS), PRODUCTS) == []


def _without(order: dict, path: str, value=""):
    order = copy.deepcopy(order)
    *parents, leaf = path.split(".")
    target = order
    for key in parents:
        target = target[key]
    target[leaf] = value
    return order


@pytest.mark.django_db
def test_the_api_refuses_the_incomplete_orders_the_page_refused(enrollment):
    """Issue 15: the rule of what an order must contain lived only in business.js; the API took
    any order. It is the service's now: each incomplete order is refused naming what is missing,
    and nothing is written."""
    client = client_for(enrollment.candidate.user)
    from exams.practical.models import Scenario

    body = client.post(f"/api/enrollments/{enrollment.pk}/business/").json()
    # The e8 bundle card: a fixed line and broadband to install (cards are dealt by enrolment id).
    BusinessTask.objects.filter(pk=body["tasks"][0]["id"]).update(scenario=Scenario.objects.get(code="B07"))
    fixed_task = BusinessTask.objects.select_related("scenario").get(pk=body["tasks"][0]["id"])
    order = perfect(CARDS["B07"])
    url = f"/api/practical/business/tasks/{fixed_task.pk}/"
    cases = [
        (_without(order, "customer_id_number"), "客户"),
        (_without(order, "realname.verified", False), "实名核验"),
        (_without(order, "business"), "业务类型"),
        (_without(order, "payment"), "收费方式"),
        ({**order, "action": "refuse", "advice": ""}, "告知客户的内容"),
    ]
    cases += [
        (_without(order, "fixed_line.number"), "选号"),
        (_without(order, "fixed_line.slot"), "预约时段"),
        (_without(order, "fixed_line.address"), "装机地址"),
        (_without(order, "fixed_line", None), "选号"),
        (_without(order, "broadband.modem"), "宽带速率和光猫"),
        (_without(order, "broadband", None), "宽带速率和光猫"),
    ]
    for incomplete, gap in cases:
        response = client.post(url, {"order": incomplete}, content_type="application/json")
        assert response.status_code == 400, gap
        assert response.json()["detail"].startswith("还不能提交，请完成：") and gap in response.json()["detail"]
    fixed_task.refresh_from_db()
    assert fixed_task.submitted_at is None and fixed_task.order is None
    # A move without the new address, an add-on order without an add-on.
    from exams.practical.business import clean_order, order_gaps

    move = clean_order(_without(perfect(CARDS["B14"]), "new_address"), PRODUCTS)
    assert order_gaps(move, PRODUCTS) == ["移机新地址"]
    addon = clean_order({**perfect(CARDS["B11"]), "addons": []}, PRODUCTS)
    assert order_gaps(addon, PRODUCTS) == ["附加业务"]
    bundle = clean_order({**perfect(CARDS["B07"]), "fixed_line": None}, PRODUCTS)
    assert order_gaps(bundle, PRODUCTS) == ["选号", "预约时段", "装机地址"]  # e8 includes a fixed line
    ok = client.post(url, {"order": order}, content_type="application/json")
    assert ok.status_code == 200


@pytest.mark.django_db
def test_the_order_number_carries_the_beijing_date_and_the_candidate_sees_no_admin_note(enrollment):
    """Issue 15 (5): a receipt printed before 08:00 Beijing time had the UTC date in its number;
    the candidate's page told them what an administrator may do."""
    from datetime import datetime

    from exams.practical.business import business_order_no

    attempt = business_start(enrollment=enrollment, user=enrollment.candidate.user)
    task = attempt.tasks.order_by("position").first()
    task.submitted_at = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 07:30 on 1 December in Beijing
    assert business_order_no(task) == f"SL20261201{task.pk:06d}"
    task.submitted_at = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    assert business_order_no(task) == f"SL20261201{task.pk:06d}"

    client = client_for(enrollment.candidate.user)
    page = client.get(f"/practical/{enrollment.pk}/business/").content.decode()
    assert "示例目录" in page and "管理员" not in page and "后台" not in page
    catalogue = client.get("/api/practical/catalogue/").json()
    assert "管理员" not in json.dumps(catalogue, ensure_ascii=False)


@pytest.mark.django_db
def test_when_time_runs_out_the_page_says_exactly_what_was_submitted(enrollment):
    """Issue 15 (4): one of two cards done when the time ran out; the page said 已全部提交."""
    client = client_for(enrollment.candidate.user)
    body = client.post(f"/api/enrollments/{enrollment.pk}/business/").json()
    first = BusinessTask.objects.select_related("scenario").get(pk=body["tasks"][0]["id"])
    card = {k: getattr(first.scenario, k) for k in ("customer", "presented", "expected", "traps")}
    url = f"/api/practical/business/tasks/{first.pk}/"
    assert client.post(url, {"order": perfect(card)}, content_type="application/json").status_code == 200
    attempt = BusinessAttempt.objects.get(enrollment=enrollment)
    assert business_finalize_expired(now=attempt.deadline + timedelta(seconds=11)) == 1

    page = client.get(f"/practical/{enrollment.pk}/business/").content.decode()
    assert "全部提交" not in page and "剩余时间" not in page
    assert "业务受理时间已到：2 张任务卡中已提交 1 张，1 张未提交（未提交的任务卡记 0 分）。" in page
    second = BusinessTask.objects.select_related("scenario").get(pk=body["tasks"][1]["id"])
    assert f"任务 1（{first.scenario.title}）：已提交" in page
    assert f"任务 2（{second.scenario.title}）：<strong>未提交</strong>" in page


@pytest.mark.django_db
def test_b13_the_clerk_may_cancel_the_unwanted_addon_on_the_customers_line(enrollment):
    """Issue 16, point 8: card B13's line has 小秘书 (ADD-SEC) and the customer does not want it;
    the order adds 来电显示 and may take 小秘书 off. A cancellation is only for an add-on on the
    order's own number, is recorded and printed, and neither scores nor costs points."""
    from exams.practical.models import Scenario

    client = client_for(enrollment.candidate.user)
    body = client.post(f"/api/enrollments/{enrollment.pk}/business/").json()
    task_id = body["tasks"][0]["id"]
    BusinessTask.objects.filter(pk=task_id).update(scenario=Scenario.objects.get(code="B13"))
    url = f"/api/practical/business/tasks/{task_id}/"
    order = perfect(CARDS["B13"])
    refused = [
        ({**order, "cancel_addons": ["ADD-CW"]}, "号码 0571-86072648 上没有开通"),
        ({**order, "target_number": "0571-86000000", "cancel_addons": ["ADD-SEC"]}, "上没有开通"),
        ({**order, "cancel_addons": "ADD-SEC"}, "取消的附加业务格式不正确"),
        ({**order, "cancel_addons": ["NOPE"]}, "取消的附加业务：目录中没有 NOPE"),
    ]
    for bad, message in refused:
        response = client.post(url, {"order": bad}, content_type="application/json")
        assert response.status_code == 400 and message in response.json()["detail"], (bad, response.json())
    assert BusinessTask.objects.get(pk=task_id).submitted_at is None
    ok = client.post(url, {"order": {**order, "cancel_addons": ["ADD-SEC"]}}, content_type="application/json")
    assert ok.status_code == 200, ok.json()
    task = BusinessTask.objects.get(pk=task_id)
    assert task.order["cancel_addons"] == ["ADD-SEC"]
    assert task.score == check(CARDS["B13"], perfect(CARDS["B13"]), seconds=task.seconds_used).score


def _b13_task(enrollment) -> BusinessTask:
    """The enrolment's first task, dealt card B13 (its line already has 小秘书, ADD-SEC)."""
    from exams.practical.models import Scenario

    attempt = business_start(enrollment=enrollment, user=enrollment.candidate.user)
    task = attempt.tasks.order_by("position").first()
    BusinessTask.objects.filter(pk=task.pk).update(scenario=Scenario.objects.get(code="B13"))
    return task


@pytest.mark.django_db
def test_it_refuses_an_addon_the_line_already_has_and_writes_nothing(enrollment):
    from django.core.exceptions import ValidationError

    task = _b13_task(enrollment)
    again = {**perfect(CARDS["B13"]), "addons": ["ADD-CLIP", "ADD-SEC"]}
    with pytest.raises(ValidationError) as refused:
        business_task_submit(task=task.pk, order=again, user=enrollment.candidate.user)
    assert refused.value.messages == ["号码 0571-86072648 已开通小秘书（留言服务），不能重复加装"]
    task.refresh_from_db()
    assert (task.order, task.submitted_at, task.seconds_used, task.outcome, task.score) == (None,) * 5
    assert BusinessAttempt.objects.get(pk=task.attempt_id).status == "in_progress"


@pytest.mark.django_db
def test_the_api_refuses_an_addon_the_line_already_has_then_takes_the_corrected_order(enrollment):
    task = _b13_task(enrollment)
    client = client_for(enrollment.candidate.user)
    url = f"/api/practical/business/tasks/{task.pk}/"
    order = perfect(CARDS["B13"])
    refused = client.post(url, {"order": {**order, "addons": ["ADD-SEC"]}}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["detail"] == "号码 0571-86072648 已开通小秘书（留言服务），不能重复加装"
    task.refresh_from_db()
    assert task.submitted_at is None and task.order is None and task.score is None
    ok = client.post(url, {"order": order}, content_type="application/json")
    assert ok.status_code == 200, ok.json()
    task.refresh_from_db()
    assert task.score == check(CARDS["B13"], order, seconds=task.seconds_used).score


@pytest.mark.django_db
def test_b13_cancelled_and_added_again_is_taken_and_scored_as_an_extra_addon(enrollment):
    """The card's note: 小秘书 may be cancelled (neither scores nor costs points); adding it again
    after cancelling counts as 多办."""
    task = _b13_task(enrollment)
    order = {**perfect(CARDS["B13"]), "addons": ["ADD-CLIP", "ADD-SEC"], "cancel_addons": ["ADD-SEC"]}
    task = business_task_submit(task=task.pk, order=order, user=enrollment.candidate.user)
    assert task.order["addons"] == ["ADD-CLIP", "ADD-SEC"] and task.order["cancel_addons"] == ["ADD-SEC"]
    addons = next(f for f in task.outcome["fields"] if f["field"] == "addons")
    assert "多办 ADD-SEC" in addons["note"] and Decimal(addons["earned"]) < addons["weight"]
    assert task.score < check(CARDS["B13"], perfect(CARDS["B13"]), seconds=task.seconds_used).score
    assert task.score == check(CARDS["B13"], task.order, seconds=task.seconds_used).score


def test_only_an_addon_order_may_cancel_an_addon():
    from django.core.exceptions import ValidationError

    from exams.practical.business import _check_line_addons, clean_order

    lines = CARDS["B13"]["existing_lines"]
    move = clean_order({**perfect(CARDS["B14"]), "cancel_addons": ["ADD-SEC"]}, PRODUCTS)
    with pytest.raises(ValidationError, match="只有“加装附加业务”"):
        _check_line_addons(move, lines, PRODUCTS)
