"""The result rule (60/60, DESIGN.md §7): one function, :func:`result_decide`, pure.

Written score = objective + situational (0–100); practical score = Σ part × weight ÷ 100 with the
level's weights (:func:`grading.scoring.practical.weighted_total`, rounded half-up to 0.01). The two
are kept apart. Outcomes, the first that applies:

1. 违纪 (misconduct): an examiner ended the candidate's exam for misconduct; the detail is the reason.
2. 缺考 (absent): marked absent from the written exam or the practical session; the detail names which.
3. 成绩未完成 (incomplete): a part has no final score yet; the detail lists what is missing
   (unmarked scripts, an unscored scene, an open practical part).
4. 不合格 (failed): a score below its pass mark; the detail names the part(s), score and pass mark.
5. 合格 (passed): written ≥ written pass mark and practical ≥ practical pass mark.

Rounding: every part score is held to 0.01 and compared with the pass mark as it is. A score is never
rounded up into a pass: 59.95 and 59.99 fail a pass mark of 60; 60.00 passes. Pass marks and weights
come from the sitting's frozen level rules, never from code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from grading.scoring.practical import PARTS, weighted_total

PASSED, FAILED, ABSENT, MISCONDUCT, INCOMPLETE = "passed", "failed", "absent", "misconduct", "incomplete"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ResultRules:
    written_pass_mark: int
    practical_pass_mark: int
    weights: dict[str, int]  # typing / business / scene, adding up to 100


def result_rules(rule) -> ResultRules:
    """The parameters of a ``LevelRule`` the result rule reads."""
    return ResultRules(
        written_pass_mark=rule.written_pass_mark,
        practical_pass_mark=rule.practical_pass_mark,
        weights={"typing": rule.weight_typing, "business": rule.weight_business, "scene": rule.weight_scene},
    )


@dataclass(frozen=True)
class Decision:
    outcome: str
    detail: str
    objective: Decimal | None
    situational: Decimal | None
    written: Decimal | None
    typing: Decimal | None
    business: Decimal | None
    scene: Decimal | None
    practical: Decimal | None
    failed_parts: list[str] = field(default_factory=list)

    def scores(self) -> dict[str, Decimal | None]:
        return {
            name: getattr(self, name)
            for name in ("objective", "situational", "written", "typing", "business", "scene", "practical")
        }


def _cents(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def result_decide(
    *,
    rules: ResultRules,
    objective: Decimal | None,
    situational: Decimal | None,
    typing: Decimal | None,
    business: Decimal | None,
    scene: Decimal | None,
    missing: Sequence[str] = (),
    written_absent: bool = False,
    practical_absent: bool = False,
    misconduct: str | None = None,
) -> Decision:
    """One candidate's result (see the module docstring).

    ``missing``: what keeps a part from being final, in words (the written marking's and the
    practical session's); a part whose score is None and that is not absent is missing too.
    """
    objective, situational = _cents(objective), _cents(situational)
    parts = {"typing": _cents(typing), "business": _cents(business), "scene": _cents(scene)}
    written = None if objective is None or situational is None else objective + situational
    practical = None
    if not practical_absent and all(parts[name] is not None for name in PARTS):
        practical = weighted_total(parts, rules.weights)

    def decision(outcome: str, detail: str, failed: Sequence[str] = ()) -> Decision:
        return Decision(outcome, detail, objective, situational, written, *parts.values(), practical, list(failed))

    if misconduct is not None:
        return decision(MISCONDUCT, _("违纪：%(reason)s") % {"reason": misconduct or _("考评员终止考试")})
    if written_absent or practical_absent:
        which = [name for name, absent in ((_("笔试"), written_absent), (_("实操"), practical_absent)) if absent]
        return decision(ABSENT, _("%(parts)s缺考") % {"parts": "、".join(which)})
    # The callers' words for what is missing; without them, each part with no score is named.
    gaps = list(missing)
    if not gaps:
        if written is None:
            gaps.append(_("笔试成绩未出"))
        gaps.extend(_("%(part)s未评分") % {"part": label} for name, label in PARTS.items() if parts[name] is None)
    if gaps or written is None or practical is None:
        return decision(INCOMPLETE, _("成绩未完成：%(gaps)s") % {"gaps": "；".join(gaps)})
    failed = []
    if written < rules.written_pass_mark:
        failed.append(
            (
                "written",
                _("笔试 %(score)s 分，低于合格分 %(mark)s 分") % {"score": written, "mark": rules.written_pass_mark},
            )
        )
    if practical < rules.practical_pass_mark:
        failed.append(
            (
                "practical",
                _("实操 %(score)s 分，低于合格分 %(mark)s 分")
                % {"score": practical, "mark": rules.practical_pass_mark},
            )
        )
    if failed:
        return decision(FAILED, "；".join(text for _, text in failed), [name for name, _ in failed])
    return decision(PASSED, "")
