"""业务受理: the candidate works through their level's scenario cards in a simulated support system.

The part starts inside the practical window; deadline = start + the level's
``business_minutes``. Each task's order is submitted once and checked at once
(:func:`grading.scoring.business.check_order`); the part's score is the mean over its
tasks, an unsubmitted task counting 0. It is submitted when the last task is, or at
the deadline (by the sweep or the next request).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certify.people.models import User
from exams.clock import AttemptClosed, accepts_saves, deadline_for, ended_at, is_over, over_before
from exams.planning.models import Enrollment
from exams.planning.selectors import enrollment_lock_own
from exams.practical.models import BusinessAttempt, BusinessTask, PartStatus, Product, Scenario
from exams.practical.session import practical_window_check
from grading.scoring.business import PAYMENTS, business_rules, check_order, fee_lines

CORE_BUSINESSES = ("new_fixed", "new_broadband", "bundle")
MAX_TEXT = 300


def scenarios_pick(enrollment: Enrollment, count: int) -> list[Scenario]:
    """``count`` cards of the level: the first always a core business (fixed line, broadband or
    e8/e6), the rest from all cards; consecutive enrolments start at different cards."""
    level = enrollment.sitting.level
    cards = [s for s in Scenario.objects.order_by("code") if level in s.levels]
    if len(cards) < count:
        raise ValidationError(_("该级别的业务受理任务卡不足 %(n)s 张，请先载入实操素材") % {"n": count})
    offset = enrollment.pk % len(cards)
    rotated = cards[offset:] + cards[:offset]
    core = [c for c in rotated if c.expected.get("business") in CORE_BUSINESSES] or rotated
    picked = [core[0]]
    picked += [c for c in rotated if c not in picked][: count - 1]
    return picked


@transaction.atomic
def business_start(*, enrollment: Enrollment, user: User, now: datetime | None = None) -> BusinessAttempt:
    now = now or timezone.now()
    enrollment = enrollment_lock_own(enrollment, user)
    existing = BusinessAttempt.objects.filter(enrollment=enrollment).first()
    if existing is not None:
        return business_finalize_if_expired(attempt=existing, now=now)
    practical_window_check(enrollment, user, now)
    sitting = enrollment.sitting
    rule = sitting.standard_version.rule_for(sitting.level)
    attempt = BusinessAttempt.objects.create(
        enrollment=enrollment,
        started_at=now,
        deadline=deadline_for(start=now, minutes=rule.business_minutes, window_end=sitting.practical_end),
    )
    BusinessTask.objects.bulk_create(
        BusinessTask(attempt=attempt, position=i, scenario=card)
        for i, card in enumerate(scenarios_pick(enrollment, rule.business_tasks), start=1)
    )
    return attempt


def catalogue() -> dict[str, dict]:
    return {
        p["code"]: p
        for p in Product.objects.filter(active=True).values(
            "code", "kind", "family", "name", "monthly_fee", "one_time_fee", "speed_mbps", "components", "description"
        )
    }


def _text(value, label: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(_("%(field)s 应为文字") % {"field": label})
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise ValidationError(_("%(field)s 不能超过 %(n)s 字") % {"field": label, "n": MAX_TEXT})
    return value


def clean_order(order, products: dict[str, dict]) -> dict:
    """The order as stored, or a ValidationError naming each malformed part."""
    if not isinstance(order, dict):
        raise ValidationError(_("受理单格式不正确"))
    errors = []
    action = order.get("action")
    if not isinstance(action, str) or action not in ("order", "refuse"):
        errors.append(_("请选择“提交受理”或“不予受理”"))
    realname = order.get("realname") or {}
    if not isinstance(realname, dict):
        errors.append(_("实名核验信息格式不正确"))
        realname = {}

    def code(value, kind: str, label: str) -> str:
        if not value:
            return ""
        if not isinstance(value, str):
            errors.append(_("%(field)s：格式不正确") % {"field": label})
            return ""
        if value not in products or products[value]["kind"] != kind:
            errors.append(_("%(field)s：目录中没有 %(code)s") % {"field": label, "code": value})
            return ""
        return value

    fixed = order.get("fixed_line")
    broadband = order.get("broadband")
    addons = order.get("addons") or []
    if not isinstance(addons, list):
        errors.append(_("附加业务格式不正确"))
        addons = []
    cancels = order.get("cancel_addons") or []
    if not isinstance(cancels, list):
        errors.append(_("取消的附加业务格式不正确"))
        cancels = []
    clean = {
        "customer_id_number": _text(order.get("customer_id_number"), "客户"),
        "realname": {
            "id_type": _text(realname.get("id_type"), "证件类型"),
            "id_number": _text(realname.get("id_number"), "证件号码").upper(),
            "name": _text(realname.get("name"), "姓名"),
            "verified": realname.get("verified") is True,
        },
        "action": action,
        "advice": _text(order.get("advice"), "告知客户"),
        "business": _text(order.get("business"), "业务类型"),
        "bundle": code(order.get("bundle"), "bundle", "套餐"),
        "fixed_line": None,
        "broadband": None,
        "addons": sorted({code(a, "addon", "附加业务") for a in addons} - {""}),
        "cancel_addons": sorted({code(a, "addon", "取消的附加业务") for a in cancels} - {""}),
        "target_number": _text(order.get("target_number"), "号码"),
        "new_address": _text(order.get("new_address"), "新地址"),
        "payment": "",
    }
    payment = order.get("payment")
    if payment is not None and not isinstance(payment, str):
        errors.append(_("%(field)s：格式不正确") % {"field": "收费方式"})
    elif payment in PAYMENTS:
        clean["payment"] = payment
    if isinstance(fixed, dict):
        clean["fixed_line"] = {
            "product": code(fixed.get("product"), "fixed_line", "固定电话"),
            "number": _text(fixed.get("number"), "号码"),
            "address": _text(fixed.get("address"), "装机地址"),
            "slot": _text(fixed.get("slot"), "预约时段"),
        }
    if isinstance(broadband, dict):
        clean["broadband"] = {
            "tier": code(broadband.get("tier"), "broadband", "宽带速率"),
            "modem": code(broadband.get("modem"), "modem", "光猫"),
            "address": _text(broadband.get("address"), "宽带地址"),
        }
    if errors:
        raise ValidationError(errors)
    return clean


def order_gaps(clean: dict, products: dict[str, dict]) -> list[str]:
    """What a cleaned order still lacks before it may be submitted, in the page's words: the one
    place this rule is written (the page shows the server's answer). Empty when complete."""
    if clean["action"] == "refuse":
        return [] if clean["advice"] else [_("告知客户的内容（不予受理的原因和所需材料）")]
    fixed, broadband, business = clean["fixed_line"], clean["broadband"], clean["business"]
    kinds = {products[c]["kind"] for c in products.get(clean["bundle"], {}).get("components", []) if c in products}
    needs_fixed = business == "new_fixed" or (business == "bundle" and "fixed_line" in kinds)
    needs_broadband = business == "new_broadband" or (business == "bundle" and "broadband" in kinds)
    fixed = fixed or ({"number": "", "slot": "", "address": ""} if needs_fixed else None)
    broadband = broadband or ({"tier": "", "modem": "", "address": ""} if needs_broadband else None)
    checks = [
        (not clean["customer_id_number"], _("客户（请先查询并选择客户）")),
        (not clean["realname"]["verified"], _("实名核验")),
        (not business, _("业务类型")),
        (business == "bundle" and not clean["bundle"], _("套餐")),
        (fixed is not None and not fixed["number"], _("选号")),
        (fixed is not None and not fixed["slot"], _("预约时段")),
        (any(line is not None and not line["address"] for line in (fixed, broadband)), _("装机地址")),
        (broadband is not None and not (broadband["tier"] and broadband["modem"]), _("宽带速率和光猫")),
        (business in ("add_addon", "move") and not clean["target_number"], _("办理号码")),
        (business == "move" and not clean["new_address"], _("移机新地址")),
        (business == "add_addon" and not clean["addons"], _("附加业务")),
        (not clean["payment"], _("收费方式")),
    ]
    return [label for missing, label in checks if missing]


def _check_line_addons(clean: dict, lines: list[dict], products: dict[str, dict]) -> None:
    """The add-ons an order adds or cancels against those already on the line it is for: the one
    place this rule is written (the page mirrors it from the customer's lines).

    An add-on already on the order's number cannot be added again: the customer has it and would
    pay for it twice. It may be cancelled, only on the number the order is for and only when that
    line has it (a customer who did not ask for 小秘书 may have it taken off while another add-on
    is added); a cancellation is recorded on the order and its receipt and neither scores nor
    costs points. Cancelled and added again in the same order, it is an add-on like any other
    (scored as 多办 when the card does not ask for it)."""
    line = next((line for line in lines if line.get("number") == clean["target_number"]), None)
    on_line = ((line or {}).get("addons") or []) if clean["target_number"] else []
    if clean["cancel_addons"]:
        if clean["action"] != "order" or clean["business"] != "add_addon":
            raise ValidationError(_("只有“加装附加业务”可以同时取消号码上已开通的附加业务"))
        missing = [code for code in clean["cancel_addons"] if code not in on_line]
        if missing:
            names = "、".join(products[code]["name"] for code in missing)
            raise ValidationError(
                _("号码 %(number)s 上没有开通%(names)s，不能取消") % {"number": clean["target_number"], "names": names}
            )
    if clean["action"] != "order":
        return
    again = [code for code in clean["addons"] if code in on_line and code not in clean["cancel_addons"]]
    if again:
        names = "、".join(products[code]["name"] for code in again)
        raise ValidationError(
            _("号码 %(number)s 已开通%(names)s，不能重复加装") % {"number": clean["target_number"], "names": names}
        )


def business_order_no(task: BusinessTask) -> str:
    """The 受理单号 printed on the receipt: SL + the Beijing date of submission + the task id.
    A person reads it beside the receipt's Beijing time, so never the UTC date (before 08:00
    the two differ)."""
    return f"SL{timezone.localtime(task.submitted_at):%Y%m%d}{task.pk:06d}"


def _task(task_id: int, user: User | None) -> BusinessTask:
    rows = BusinessTask.objects.select_for_update(of=("self",)).filter(pk=task_id)
    if user is not None:
        rows = rows.filter(attempt__enrollment__candidate__user=user)
    return rows.select_related("attempt", "scenario", "attempt__enrollment__sitting__standard_version").get()


def business_task_submit(
    *, task: BusinessTask | int, order, user: User | None = None, now: datetime | None = None
) -> BusinessTask:
    """Submit one task's order; it is checked at once. A task is submitted once. An order after
    the deadline and grace is refused, and the part is submitted (that submission stands)."""
    now = now or timezone.now()
    with transaction.atomic():
        task = _task(task if isinstance(task, int) else task.pk, user)
        attempt = BusinessAttempt.objects.select_for_update().get(pk=task.attempt_id)
        if attempt.status == PartStatus.SUBMITTED:
            raise AttemptClosed(_("业务受理已结束，不能再提交"))
        if accepts_saves(attempt.deadline, now):
            return _task_check(task, attempt, order, now)
    business_submit(attempt=attempt, now=now)
    raise AttemptClosed(_("业务受理时间已到，已自动提交，本单未保存"))


def _task_check(task: BusinessTask, attempt: BusinessAttempt, order, now: datetime) -> BusinessTask:
    if task.submitted_at is not None:
        raise ValidationError(_("该任务已提交，不能修改"))
    products = catalogue()
    clean = clean_order(order, products)
    gaps = order_gaps(clean, products)
    if gaps:
        raise ValidationError(_("还不能提交，请完成：%(gaps)s") % {"gaps": "、".join(gaps)})
    _check_line_addons(clean, task.scenario.existing_lines or [], products)
    clean["fees"] = fee_lines(clean, products) if clean["action"] == "order" else None
    sitting = attempt.enrollment.sitting
    rule = sitting.standard_version.rule_for(sitting.level)
    budget = rule.business_minutes * 60 / max(1, rule.business_tasks)
    previous = (
        BusinessTask.objects.filter(attempt=attempt, submitted_at__isnull=False)
        .order_by("-submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )
    used = (now - (previous or attempt.started_at)).total_seconds()
    scenario = {
        "customer": task.scenario.customer,
        "presented": task.scenario.presented,
        "expected": task.scenario.expected,
        "traps": task.scenario.traps,
    }
    result = check_order(scenario, clean, seconds_used=used, budget_seconds=budget, rules=business_rules(rule))
    task.order, task.submitted_at, task.seconds_used = clean, now, int(used)
    task.outcome, task.score = result.as_dict(), result.score
    task.save(update_fields=["order", "submitted_at", "seconds_used", "outcome", "score"])
    if not BusinessTask.objects.filter(attempt=attempt, submitted_at__isnull=True).exists():
        business_submit(attempt=attempt, now=now)
    return task


@transaction.atomic
def business_submit(*, attempt: BusinessAttempt, now: datetime | None = None) -> BusinessAttempt:
    """Close the part: its score is the mean of the tasks, an unsubmitted one counting 0. Idempotent."""
    now = now or timezone.now()
    attempt = BusinessAttempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.status == PartStatus.SUBMITTED:
        return attempt
    scores = [task.score or Decimal(0) for task in attempt.tasks.all()]
    attempt.status = PartStatus.SUBMITTED
    attempt.submitted_at = ended_at(attempt.deadline, now)
    attempt.score = (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.01"), ROUND_HALF_UP) if scores else 0
    attempt.save(update_fields=["status", "submitted_at", "score"])
    return attempt


def business_finalize_if_expired(*, attempt: BusinessAttempt, now: datetime | None = None) -> BusinessAttempt:
    now = now or timezone.now()
    if attempt.status == PartStatus.IN_PROGRESS and is_over(attempt.deadline, now):
        return business_submit(attempt=attempt, now=now)
    return attempt


def business_finalize_expired(*, now: datetime | None = None, scope: dict | None = None, batch: int = 200) -> int:
    """The sweep: submit every business part whose time and grace are over (within ``scope``),
    in batches of locked rows, skipping rows another transaction holds (as the written sweep)."""
    now = now or timezone.now()
    expired = BusinessAttempt.objects.filter(
        status=PartStatus.IN_PROGRESS, deadline__lt=over_before(now), **(scope or {})
    ).order_by("deadline", "pk")
    if connection.features.has_select_for_update_skip_locked:
        expired = expired.select_for_update(skip_locked=True, of=("self",))
    done = 0
    while True:
        with transaction.atomic():
            attempts = list(expired.only("pk")[:batch])
            for attempt in attempts:
                business_submit(attempt=attempt, now=now)
        done += len(attempts)
        if len(attempts) < batch:
            return done


def customers_search(query: str) -> list[dict]:
    """The simulated system's customer search: by ID number, phone or name, over every card's customer."""
    query = (query or "").strip().upper()
    if len(query) < 2:
        return []
    found: dict[str, dict] = {}
    for card in Scenario.objects.all():
        customer = card.customer
        haystack = (customer["id_number"].upper(), customer.get("phone", ""), customer["name"].upper())
        if any(query in value for value in haystack):
            entry = found.setdefault(customer["id_number"], {**customer, "lines": []})
            for line in card.existing_lines or []:
                if line not in entry["lines"]:
                    entry["lines"].append(line)
    return list(found.values())[:20]
