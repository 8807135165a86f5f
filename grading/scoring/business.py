"""Checking a business-entry order (业务受理) against its scenario card, and the fee breakdown.

The order is what the simulated support system submits::

    {
      "customer_id_number": "…",     # the customer record chosen in 客户查询
      "realname": {"id_type": "居民身份证", "id_number": "…", "name": "…", "verified": true},
      "action": "order" | "refuse",
      "advice": "…",                 # what the clerk told the customer (refusing or advising)
      "business": "new_fixed" | "new_broadband" | "bundle" | "add_addon" | "move",
      "bundle": "E8-…" | "",
      "fixed_line": {"number": "0571-…", "address": "…", "slot": "上午"} | null,
      "broadband": {"tier": "BB-20M", "modem": "MODEM-RENT", "address": "…"} | null,
      "addons": ["ADD-CLIP", …],
      "target_number": "…", "new_address": "…",
      "payment": "cash" | "bankcard" | "mobile_pay"
    }

Scoring (each task 0–100). The weights, the cap and the refusal base below are the defaults; the
sitting's frozen level rules hold the ones used (:class:`BusinessRules`):

1. Critical mistakes come first and cap the task's score:
   - 客户错误 (the order is for another customer than the card's): 0;
   - 未实名核验 (no check, or the check was made with a document other than the one the
     customer presented, or a name that does not match it): 0;
   - 受理了应拒绝的业务 (the card's right action is to refuse: no ID, an agent without
     authorisation, a name that does not match) — ordering anyway: 0;
   - 拒绝了应受理的业务: 0;
   - 推荐客户未要求的套餐 (a bundle on an order whose customer asked for none): capped at 30.
2. Otherwise each field that applies to the card earns its weight when right:
   业务类型 20, 套餐/产品 25, 号码 5, 地址 20, 预约时段 5, 附加业务 15 (share of the
   asked-for add-ons present, minus those not asked for), 收费方式 5, and 用时 5 (full
   at half the task's time budget or less, none at the whole budget, linear between).
   The score is 100 × earned ÷ the weights that apply.
3. A right refusal earns the base (default 60) plus (100 − base) × the share of the card's advice keywords found in
   the advice, and the time points as above (scaled into the same 100).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

FIELDS = ("business", "product", "number", "address", "slot", "addons", "payment", "time")
LABELS = {
    "business": "业务类型",
    "product": "套餐/产品",
    "number": "号码",
    "address": "地址",
    "slot": "预约时段",
    "addons": "附加业务",
    "payment": "收费方式",
    "time": "用时",
}
PAYMENTS = {"cash": "现金", "bankcard": "银行卡", "mobile_pay": "移动支付"}
_PUNCT = re.compile(r"[\s,，.。、;；:：#\-—()（）]")


def same_address(a: str | None, b: str | None) -> bool:
    """Addresses match when equal after NFKC, without spaces and punctuation."""

    def norm(text):
        return _PUNCT.sub("", unicodedata.normalize("NFKC", text or ""))

    return bool(norm(a)) and norm(a) == norm(b)


@dataclass(frozen=True)
class BusinessRules:
    """The level's scoring parameters (from the sitting's frozen standard): field weights, the cap
    for an unasked-for bundle, and a right refusal's base score."""

    weights: dict[str, int]
    bundle_cap: int
    refusal_base: int


def business_rules(rule) -> BusinessRules:
    """The parameters of a ``LevelRule`` (``business_weight_<field>``, ``business_unasked_bundle_cap``,
    ``business_refusal_base``)."""
    return BusinessRules(
        weights={name: getattr(rule, f"business_weight_{name}") for name in FIELDS},
        bundle_cap=rule.business_unasked_bundle_cap,
        refusal_base=rule.business_refusal_base,
    )


@dataclass
class Check:
    score: Decimal
    critical: list[str] = field(default_factory=list)
    fields: list[dict] = field(default_factory=list)  # {"field", "label", "weight", "earned", "note"}

    def as_dict(self) -> dict:
        return {"score": str(self.score), "critical": self.critical, "fields": self.fields}


def _time_points(seconds_used: float | None, budget_seconds: float, weight: int) -> Decimal:
    if seconds_used is None or budget_seconds <= 0:
        return Decimal(0)
    half = budget_seconds / 2
    if seconds_used <= half:
        return Decimal(weight)
    share = max(0.0, (budget_seconds - seconds_used) / half)
    return (Decimal(weight) * Decimal(str(share))).quantize(Decimal("0.01"))


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def critical_mistakes(scenario: dict, order: dict) -> list[str]:
    """The card-independent and card-specific mistakes that cap the score, as sentences."""
    mistakes = []
    expected = scenario["expected"]
    customer = scenario["customer"]
    presented = scenario.get("presented")
    refuse = expected["action"] == "refuse"
    if order.get("action") == "refuse":
        if not refuse:
            mistakes.append("拒绝了应受理的业务")
        return mistakes
    if refuse:
        mistakes.append("受理了应拒绝的业务（" + "；".join(t["note"] for t in scenario.get("traps", [])) + "）")
    if order.get("customer_id_number") != customer["id_number"]:
        mistakes.append("客户错误：受理单不是该客户的")
    realname = order.get("realname") or {}
    if not realname.get("verified") or presented is None:
        mistakes.append("未进行实名核验")
    elif (realname.get("id_number") or "").upper() != presented["id_number"].upper() or realname.get(
        "name"
    ) != presented["name"]:
        mistakes.append("实名核验所录证件与客户出示的证件不符")
    if not expected.get("bundle") and order.get("bundle"):
        mistakes.append("推荐了客户未要求的套餐")
    return mistakes


def check_order(
    scenario: dict, order: dict, *, seconds_used: float | None, budget_seconds: float, rules: BusinessRules
) -> Check:
    """Compare ``order`` with the card's expected order; see the module docstring for the weights
    (the defaults; the level's ``rules`` hold the ones used)."""
    weights = rules.weights
    expected = scenario["expected"]
    mistakes = critical_mistakes(scenario, order)
    time_points = _time_points(seconds_used, budget_seconds, weights["time"])
    fields: list[dict] = []

    def mark(name: str, earned, note: str = "") -> None:
        fields.append(
            {
                "field": name,
                "label": LABELS.get(name, name),
                "weight": weights.get(name, 0),
                "earned": str(earned),
                "note": note,
            }
        )

    if expected["action"] == "refuse" and order.get("action") == "refuse":
        keywords = expected.get("advice_keywords") or []
        advice = order.get("advice") or ""
        found = [word for word in keywords if word in advice]
        share = Decimal(len(found)) / len(keywords) if keywords else Decimal(1)
        base = Decimal(rules.refusal_base) + Decimal(100 - rules.refusal_base) * share
        fields.append(
            {
                "field": "advice",
                "label": "拒绝并告知客户",
                "weight": 100,
                "earned": str(_round(base)),
                "note": "建议中提到：" + ("、".join(found) or "无") + "；应提到：" + "、".join(keywords),
            }
        )
        mark("time", time_points)
        score = _round((base * (100 - weights["time"]) + time_points * 100) / 100)
        return Check(min(score, Decimal(100)), mistakes, fields)

    if any(not m.startswith("推荐了") for m in mistakes):
        return Check(Decimal(0), mistakes, fields)

    earned = Decimal(0)
    possible = Decimal(0)

    def field_(name: str, ok, note: str = "") -> None:
        nonlocal earned, possible
        weight = Decimal(weights[name])
        value = weight * ok if isinstance(ok, Decimal) else (weight if ok else Decimal(0))
        possible += weight
        earned += value
        mark(name, _round(value), note)

    business = expected["business"]
    field_("business", order.get("business") == business, f"应为 {business}")
    if business == "bundle":
        field_("product", order.get("bundle") == expected["bundle"], f"应为 {expected['bundle']}")
    elif expected.get("broadband"):
        want = expected["broadband"]
        got = order.get("broadband") or {}
        field_(
            "product",
            got.get("tier") == want["tier"] and got.get("modem") == want["modem"],
            f"应为 {want['tier']} + {want['modem']}",
        )
    elif business == "new_fixed":
        field_("product", bool(order.get("fixed_line")), "固定电话")
    want_fixed = expected.get("fixed_line")
    got_fixed = order.get("fixed_line") or {}
    if want_fixed:
        wanted_number = want_fixed.get("number", "any")
        ok = bool(got_fixed.get("number")) and wanted_number in ("any", got_fixed.get("number"))
        field_("number", ok, "号码池任选" if wanted_number == "any" else f"客户指定 {wanted_number}")
        field_("slot", got_fixed.get("slot") == want_fixed.get("slot"), f"应为 {want_fixed.get('slot')}")
    addresses = []
    if want_fixed:
        addresses.append((want_fixed.get("address"), got_fixed.get("address")))
    if expected.get("broadband"):
        addresses.append((expected["broadband"].get("address"), (order.get("broadband") or {}).get("address")))
    if business == "move":
        addresses.append((expected.get("new_address"), order.get("new_address")))
        field_("number", order.get("target_number") == expected.get("target_number"), "要移机的号码")
    if business == "add_addon":
        field_("number", order.get("target_number") == expected.get("target_number"), "要加装业务的号码")
    if addresses:
        right = sum(1 for want, got in addresses if same_address(want, got))
        field_("address", Decimal(right) / len(addresses), f"{right}/{len(addresses)} 个地址正确")
    want_addons = set(expected.get("addons") or [])
    got_addons = set(order.get("addons") or [])
    if want_addons or got_addons:
        share = Decimal(len(want_addons & got_addons)) / len(want_addons | got_addons)
        missing = want_addons - got_addons
        extra = got_addons - want_addons
        field_(
            "addons",
            share,
            ("漏办 " + "、".join(sorted(missing)) + " " if missing else "")
            + ("多办 " + "、".join(sorted(extra)) if extra else ""),
        )
    field_("payment", order.get("payment") in PAYMENTS, "须选择收费方式")
    possible += weights["time"]
    earned += time_points
    mark("time", time_points)
    score = _round(100 * earned / possible) if possible else Decimal(0)
    if mistakes:
        score = min(score, Decimal(rules.bundle_cap))
    return Check(score, mistakes, fields)


# --- fees -------------------------------------------------------------------------


def fee_lines(order: dict, products: dict[str, dict]) -> dict:
    """The fee breakdown of an order: one line per product with its monthly and one-time fee.

    ``products`` maps code → {"name", "kind", "monthly_fee", "one_time_fee", "components"}.
    Components of a bundle are listed at 0: the bundle's fee covers them.
    """
    lines = []

    def add(code: str, *, included: bool = False, note: str = "") -> None:
        product = products.get(code)
        if product is None:
            return
        zero = Decimal("0.00")
        monthly = zero if included else Decimal(str(product["monthly_fee"])).quantize(zero)
        once = zero if included else Decimal(str(product["one_time_fee"])).quantize(zero)
        lines.append(
            {"code": code, "name": product["name"], "monthly": str(monthly), "one_time": str(once), "note": note}
        )

    bundle = order.get("bundle")
    included: set[str] = set()
    if bundle and bundle in products:
        add(bundle)
        for component in products[bundle].get("components") or []:
            included.add(component)
            add(component, included=True, note="套餐内")
    if order.get("fixed_line") and not any(products.get(c, {}).get("kind") == "fixed_line" for c in included):
        first = next((c for c, p in products.items() if p["kind"] == "fixed_line"), None)
        fixed = order["fixed_line"].get("product") or first
        if fixed:
            add(fixed)
    broadband = order.get("broadband") or {}
    if broadband.get("tier") and broadband["tier"] not in included:
        add(broadband["tier"])
    if broadband.get("modem"):
        add(broadband["modem"])
    for addon in order.get("addons") or []:
        if addon not in included:
            add(addon)
    monthly = sum(Decimal(line["monthly"]) for line in lines)
    once = sum(Decimal(line["one_time"]) for line in lines)
    return {"lines": lines, "monthly_total": str(monthly), "one_time_total": str(once), "due_now": str(once)}
