"""题库体检: the item-writing faults a reviewer looks for, listed per item, each naming its rule.

Rules (``CheckRule``):

- 答案选项明显最长 (key_longest): a single-choice key at least 1.3 × and 3 characters longer than
  every other option; a multiple-choice item whose every key is that much longer than every
  distractor. Candidates learn to pick the longest option.
- 全部选项都是答案 (all_keyed): a multiple-choice item with every option keyed.
- 题干用词只出现在答案中 (stem_cue): a word of the stem (two or more characters, common words
  aside) repeated in the key (in every key, for multiple choice) and in no distractor.
- 题干近似重复 (near_duplicate): normalised case + stem (NFKC, no zero-width characters,
  whitespace or punctuation) at least 85 % alike (rapidfuzz ratio), unless the two items share an
  enemy group, which keeps them off the same paper.
- 互斥冲突 (enemy_conflict): two items that give each other away but share no enemy group: the
  same case, the same quoted source sentence, or a choice item whose key restates a situational
  item's key point.
- 引文不在所注来源中 (quote_missing): the sentence the 解析 quotes (after 原文：“…”, or its longest
  “…”) is not in the seed file the 来源 names (seed 004 is compared in Simplified characters).
- 难度与级别不符 (difficulty_level): outside what the level asks (五级 1–3, 四级 1–4, 三级 2–5) or
  outside the level blueprint's difficulty range, so no paper of that level can draw it.
- 题量不足以满足组卷规则 (thin_pool): a blueprint pool (type, chapter) whose exposure reaches
  100 %: every paper would carry every item it can hold.

A finding is open until an admin marks it reviewed with a reason (``FindingReview``), keyed by
the rule and the stems' fingerprints so that a review survives a reload and lapses when the
stem changes.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from certify.people.models import User
from certify.standard.models import Level
from question_bank.models import (
    OPTION_LETTERS,
    Blueprint,
    CheckRule,
    FindingReview,
    Item,
    ItemStatus,
    ItemType,
    ItemVersion,
)
from question_bank.services.blueprints import blueprint_feasibility
from question_bank.validation import normalize_text

SEEDS = Path(settings.BASE_DIR) / "fixtures" / "seeds"

KEY_MARGIN = 1.3
KEY_MARGIN_CHARS = 3
NEAR_DUPLICATE = 85
RESTATES = 85  # partial ratio of a choice key against a situational key point
MIN_QUOTE = 8
MIN_RESTATED = 8
# What each level asks of an item (五级 recall and simple use, 三级 weighing several rules).
DIFFICULTY_BY_LEVEL = {Level.FIVE: (1, 3), Level.FOUR: (1, 4), Level.THREE: (2, 5)}
# Words too common in this bank to cue anything.
COMMON_WORDS = frozenset(
    (
        "客户",
        "营业",
        "业员",
        "营业员",
        "营业厅",
        "业厅",
        "应当",
        "应该",
        "哪些",
        "什么",
        "下列",
        "以下",
        "属于",
        "可以",
        "进行",
        "需要",
        "包括",
        "正确",
        "做法",
        "怎样",
        "一项",
        "说法",
        "中国",
        "电信",
        "中国电信",
        "服务",
        "时候",
        "如何",
        "处理",
        "问题",
        "业务",
        "工作",
        "对于",
        "自己",
        "我们",
        "您的",
        "的是",
        "是否",
        "通过",
        "根据",
        "主要",
        "一般",
        "要求",
        "一个",
        "这个",
        "方面",
        "以及",
        "或者",
        "并且",
        "同时",
        "及时",
        "首先",
        "其次",
        "最后",
        "为了",
        "由于",
        "如果",
        "就是",
        "还是",
        "已经",
        "没有",
    )
)

# Seed 004 is written in Traditional characters with pinyin glosses: folded before comparing.
_TRADITIONAL = (
    "來倉們傳價優兌內則動務員問單國執堅報場實寬對導帶幫從復惡態慮懷戶換搶據數時會業極機決沒況滿為無爭現產發盡確碼禮積"
    "競終絡給統經維網緒繼續與處號虧裝親計記訪詢話認誠誤談請諾議護讓費資質賬轉辦進過達適釁銷錢錯鍵長門開間關險離電響須預"
    "領題額風驗體鬧點"
)
_SIMPLIFIED = (
    "来仓们传价优兑内则动务员问单国执坚报场实宽对导带帮从复恶态虑怀户换抢据数时会业极机决没况满为无争现产发尽确码礼积"
    "竞终络给统经维网绪继续与处号亏装亲计记访询话认诚误谈请诺议护让费资质账转办进过达适衅销钱错键长门开间关险离电响须预"
    "领题额风验体闹点"
)
_FOLD = str.maketrans(_TRADITIONAL, _SIMPLIFIED)
_PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
_WORD_RUN = re.compile(r"[0-9a-z\u4e00-\u9fff]+")
# Particles that make no word of their own: "客户的" cues no more than "客户".
_PARTICLES = "的了是在和与及或也都就把被对向为着过吗呢吧"


def fold(text: str) -> str:
    """Normalised for comparing with a seed: ``normalize_text`` and Traditional folded to Simplified."""
    return normalize_text(_PINYIN.sub("", text)).translate(_FOLD)


@lru_cache(maxsize=1)
def seed_texts() -> dict[str, str]:
    """Seed file name → folded text."""
    return {path.name: fold(path.read_text(encoding="utf-8")) for path in sorted(SEEDS.glob("*.txt"))}


def cited_seed(source: str) -> str | None:
    """The seed file a 来源 names, by file name or by its three-digit number ("002 第四章…")."""
    for name in seed_texts():
        if name in source:
            return name
    match = re.match(r"\s*(\d{3})(?!\d)", source)
    if match:
        for name in seed_texts():
            if name.startswith(match.group(1) + "_"):
                return name
    return None


def explanation_quote(explanation: str) -> str:
    """The sentence a 解析 quotes: after 原文：“ up to the last ”, else the longest “…”."""
    marker = re.search(r"原文[：:]\s*“", explanation)
    if marker:
        rest = explanation[marker.end() :]
        return rest[: rest.rfind("”")] if "”" in rest else rest
    quotes = re.findall(r"“([^“”]+)”", explanation)
    return max(quotes, key=len) if quotes else ""


@dataclass
class Finding:
    rule: str
    key: str
    message: str
    item_ids: tuple[int, ...] = ()
    review: FindingReview | None = None

    @property
    def rule_label(self) -> str:
        return CheckRule(self.rule).label

    @property
    def is_open(self) -> bool:
        return self.review is None


@dataclass
class HealthReport:
    findings: list[Finding]
    versions: dict[int, ItemVersion]  # item id → current version checked
    stats: dict = field(default_factory=dict)

    @property
    def open(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.is_open]

    @property
    def reviewed(self) -> list[Finding]:
        return [finding for finding in self.findings if not finding.is_open]

    def by_item(self) -> list[tuple[ItemVersion | None, list[Finding]]]:
        """Findings listed under each item they concern (pool findings under None), items in id order."""
        grouped: dict[int | None, list[Finding]] = defaultdict(list)
        for finding in self.findings:
            for item_id in finding.item_ids or (None,):
                grouped[item_id].append(finding)
        order = sorted(key for key in grouped if key is not None) + ([None] if None in grouped else [])
        return [(self.versions.get(key) if key is not None else None, grouped[key]) for key in order]

    def counts(self) -> list[tuple[str, str, int, int]]:
        """(rule, label, open, reviewed) for every rule."""
        open_counts = Counter(f.rule for f in self.open)
        reviewed_counts = Counter(f.rule for f in self.reviewed)
        return [(rule, label, open_counts[rule], reviewed_counts[rule]) for rule, label in CheckRule.choices]


# --- the rules, each on a list of current versions ---------------------------------------------


def _short_id(version: ItemVersion) -> str:
    return version.item.stem_key[:16]


def _lengths(options: list[str]) -> list[int]:
    return [len(normalize_text(option)) for option in options]


def key_longest(version: ItemVersion) -> str | None:
    """Why the key stands out by its length, or None."""
    if version.type not in (ItemType.SINGLE, ItemType.MULTIPLE) or not version.options:
        return None
    lengths = _lengths(version.options)
    keyed = [index for index, letter in enumerate(OPTION_LETTERS) if letter in version.answer]
    others = [lengths[i] for i in range(len(lengths)) if i not in keyed]
    if not others:
        return None
    shortest_key, longest_other = min(lengths[i] for i in keyed), max(others)
    if shortest_key >= KEY_MARGIN * longest_other and shortest_key - longest_other >= KEY_MARGIN_CHARS:
        if version.type == ItemType.SINGLE:
            return _("答案 %(key)s 有 %(n)s 字，其余选项最长 %(m)s 字") % {
                "key": version.answer,
                "n": shortest_key,
                "m": longest_other,
            }
        return _("每个答案选项都比每个干扰项长（答案最短 %(n)s 字，干扰项最长 %(m)s 字）") % {
            "n": shortest_key,
            "m": longest_other,
        }
    return None


def stem_cues(version: ItemVersion) -> list[str]:
    """Words of the stem found in the key (every key) and in no distractor, longest first."""
    if version.type not in (ItemType.SINGLE, ItemType.MULTIPLE) or not version.options:
        return []
    keyed = [
        normalize_text(o)
        for letter, o in zip(OPTION_LETTERS, version.options, strict=False)
        if letter in version.answer
    ]
    others = [
        normalize_text(o)
        for letter, o in zip(OPTION_LETTERS, version.options, strict=False)
        if letter not in version.answer
    ]
    if not others:
        return []
    found: list[str] = []
    for run in _WORD_RUN.findall(normalize_text(version.stem)):
        for size in range(min(len(run), 12), 1, -1):
            for start in range(len(run) - size + 1):
                word = run[start : start + size]
                core = word.strip(_PARTICLES)
                if len(core) < 2 or core in COMMON_WORDS or any(word in longer for longer in found):
                    continue
                if all(word in key for key in keyed) and not any(word in other for other in others):
                    found.append(word)
    return sorted(found, key=len, reverse=True)


def difficulty_problem(version: ItemVersion, ranges: dict[int, tuple[int, int]]) -> str | None:
    low, high = DIFFICULTY_BY_LEVEL[version.level]
    level = Level(version.level).label
    if not low <= version.difficulty <= high:
        return _("%(level)s的题目难度应在 %(low)s–%(high)s 之间，本题为 %(d)s") % {
            "level": level,
            "low": low,
            "high": high,
            "d": version.difficulty,
        }
    if version.level in ranges:
        low, high = ranges[version.level]
        if not low <= version.difficulty <= high:
            return _("%(level)s组卷规则只抽难度 %(low)s–%(high)s 的题目，本题难度 %(d)s，不会出现在该级别的试卷上") % {
                "level": level,
                "low": low,
                "high": high,
                "d": version.difficulty,
            }
    return None


def _text(version: ItemVersion) -> str:
    return normalize_text(version.case) + normalize_text(version.stem)


def _key_texts(version: ItemVersion) -> list[str]:
    return [
        normalize_text(option)
        for letter, option in zip(OPTION_LETTERS, version.options, strict=False)
        if letter in version.answer
    ]


def _pair_key(rule: str, a: ItemVersion, b: ItemVersion) -> str:
    first, second = sorted((_short_id(a), _short_id(b)))
    return f"{rule}:{first}:{second}"


def _same_group(a: ItemVersion, b: ItemVersion) -> bool:
    return bool(a.item.enemy_group) and a.item.enemy_group == b.item.enemy_group


def near_duplicates(versions: list[ItemVersion]) -> list[tuple[ItemVersion, ItemVersion, float]]:
    texts = [_text(v) for v in versions]
    pairs = []
    for i, text in enumerate(texts):
        for _other, score, j in process.extract_iter(
            text, texts[i + 1 :], scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE
        ):
            a, b = versions[i], versions[i + 1 + j]
            if not _same_group(a, b):
                pairs.append((a, b, float(score)))
    return pairs


def enemy_conflicts(versions: list[ItemVersion]) -> list[tuple[ItemVersion, ItemVersion, str]]:
    """Pairs that give each other away and share no enemy group, with the reason."""
    pairs: dict[tuple[int, int], tuple[ItemVersion, ItemVersion, str]] = {}

    def add(a: ItemVersion, b: ItemVersion, why: str) -> None:
        if a.item_id == b.item_id or _same_group(a, b):
            return
        a, b = sorted((a, b), key=lambda v: v.item_id)
        pairs.setdefault((a.item_id, b.item_id), (a, b, why))

    by_case: dict[str, list[ItemVersion]] = defaultdict(list)
    by_quote: dict[str, list[ItemVersion]] = defaultdict(list)
    for version in versions:
        if version.case:
            by_case[normalize_text(version.case)].append(version)
        quote = fold(explanation_quote(version.explanation))
        if len(quote) >= MIN_QUOTE:
            by_quote[quote].append(version)
    for group in by_case.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                add(a, b, _("案例相同"))
    quotes = sorted(by_quote)
    for i, quote in enumerate(quotes):
        for a_index, a in enumerate(by_quote[quote]):
            for b in by_quote[quote][a_index + 1 :]:
                add(a, b, _("解析引用同一句原文"))
        # A quote inside another: the shorter sentence is part of the longer one.
        for other in quotes[i + 1 :]:
            if quote in other or other in quote:
                for a in by_quote[quote]:
                    for b in by_quote[other]:
                        add(a, b, _("解析引用同一句原文"))
    situational = [v for v in versions if v.type == ItemType.SITUATIONAL]
    choice = [v for v in versions if v.type != ItemType.SITUATIONAL]
    for s in situational:
        points = [normalize_text(p["point"]) for p in s.rubric]
        for c in choice:
            for key in _key_texts(c):
                if len(key) < MIN_RESTATED:
                    continue
                if any(fuzz.partial_ratio(key, point) >= RESTATES for point in points if len(point) >= MIN_RESTATED):
                    add(s, c, _("选择题的答案复述了情景分析题的评分要点"))
                    break
    return list(pairs.values())


def thin_pools() -> list[Finding]:
    findings = []
    for blueprint in Blueprint.objects.order_by("-level"):
        report = blueprint_feasibility(blueprint=blueprint)
        for pool in report.pools:
            if pool.short or pool.needed >= pool.usable:
                findings.append(
                    Finding(
                        CheckRule.THIN_POOL,
                        f"{CheckRule.THIN_POOL}:{blueprint.level}:{pool.item_type}:{pool.chapter or '*'}",
                        _("%(level)s每份试卷需要%(pool)s %(needed)s 道，可同卷的只有 %(usable)s 道（曝光率 ≥ 100%%）")
                        % {
                            "level": blueprint.get_level_display(),
                            "pool": pool.label,
                            "needed": pool.needed,
                            "usable": pool.usable,
                        },
                    )
                )
    return findings


# --- the check -------------------------------------------------------------------------------


def checked_versions() -> list[ItemVersion]:
    """Current versions of every item not retired."""
    return list(
        ItemVersion.objects.filter(item__current=F("pk"))
        .exclude(item__status=ItemStatus.RETIRED)
        .select_related("item", "knowledge_point")
        .order_by("item_id")
    )


def bank_check(*, versions: list[ItemVersion] | None = None) -> HealthReport:
    """Run every rule on the bank (or on ``versions``) and attach the reviews already recorded."""
    versions = checked_versions() if versions is None else versions
    findings: list[Finding] = []
    ranges = {bp.level: (bp.difficulty_min, bp.difficulty_max) for bp in Blueprint.objects.all()}

    for version in versions:
        ids = (version.item_id,)
        ident = _short_id(version)
        why = key_longest(version)
        if why:
            findings.append(Finding(CheckRule.KEY_LONGEST, f"{CheckRule.KEY_LONGEST}:{ident}", why, ids))
        if version.type == ItemType.MULTIPLE and len(version.answer) == len(version.options):
            findings.append(
                Finding(
                    CheckRule.ALL_KEYED,
                    f"{CheckRule.ALL_KEYED}:{ident}",
                    _("%(n)s 个选项全部是答案") % {"n": len(version.options)},
                    ids,
                )
            )
        cues = stem_cues(version)
        if cues:
            findings.append(
                Finding(
                    CheckRule.STEM_CUE,
                    f"{CheckRule.STEM_CUE}:{ident}",
                    _("题干中的「%(words)s」只出现在答案中") % {"words": "」「".join(cues[:3])},
                    ids,
                )
            )
        problem = difficulty_problem(version, ranges)
        if problem:
            findings.append(Finding(CheckRule.DIFFICULTY_LEVEL, f"{CheckRule.DIFFICULTY_LEVEL}:{ident}", problem, ids))
        seed = cited_seed(version.source)
        if seed is not None:
            quote = fold(explanation_quote(version.explanation))
            if len(quote) < MIN_QUOTE or quote not in seed_texts()[seed]:
                findings.append(
                    Finding(
                        CheckRule.QUOTE_MISSING,
                        f"{CheckRule.QUOTE_MISSING}:{ident}",
                        _("解析引用的原文在 %(seed)s 中找不到") % {"seed": seed}
                        if quote
                        else _("解析没有以“…”引用 %(seed)s 的原文") % {"seed": seed},
                        ids,
                    )
                )

    for a, b, score in near_duplicates(versions):
        findings.append(
            Finding(
                CheckRule.NEAR_DUPLICATE,
                _pair_key(CheckRule.NEAR_DUPLICATE, a, b),
                _("第 %(a)s 题与第 %(b)s 题题干相似度 %(score)s%%，且不在同一互斥组")
                % {"a": a.item_id, "b": b.item_id, "score": round(score)},
                (a.item_id, b.item_id),
            )
        )
    for a, b, why in enemy_conflicts(versions):
        findings.append(
            Finding(
                CheckRule.ENEMY_CONFLICT,
                _pair_key(CheckRule.ENEMY_CONFLICT, a, b),
                _("第 %(a)s 题与第 %(b)s 题%(why)s，可能同卷互相提示，但不在同一互斥组")
                % {"a": a.item_id, "b": b.item_id, "why": why},
                (a.item_id, b.item_id),
            )
        )
    findings.extend(thin_pools())

    reviews = {review.key: review for review in FindingReview.objects.filter(key__in=[f.key for f in findings])}
    for finding in findings:
        finding.review = reviews.get(finding.key)
    return HealthReport(findings=findings, versions={v.item_id: v for v in versions}, stats=bank_stats(versions))


def bank_stats(versions: list[ItemVersion]) -> dict:
    """Counts a reviewer reads at a glance: keys per multiple-choice item, how often the key is longest."""
    multiple = [v for v in versions if v.type == ItemType.MULTIPLE]
    single = [v for v in versions if v.type == ItemType.SINGLE]

    def strictly_longest(version: ItemVersion) -> bool:
        lengths = _lengths(version.options)
        key = OPTION_LETTERS.index(version.answer)
        return all(lengths[key] > length for i, length in enumerate(lengths) if i != key)

    keys = Counter(len(v.answer) for v in multiple)
    all_keyed = sum(1 for v in multiple if len(v.answer) == len(v.options))
    return {
        "items": len(versions),
        "single": len(single),
        "multiple": len(multiple),
        "situational": len(versions) - len(single) - len(multiple),
        "multiple_keys": dict(sorted(keys.items())),
        "multiple_options": dict(sorted(Counter(len(v.options) for v in multiple).items())),
        "multiple_all_keyed": all_keyed,
        "single_key_longest": sum(1 for v in single if strictly_longest(v)),
    }


def item_findings(*, item: Item) -> list[Finding]:
    """The findings about one item (the whole bank is checked: pairs need it)."""
    return [finding for finding in bank_check().findings if item.pk in finding.item_ids]


@transaction.atomic
def finding_review(*, key: str, reason: str, by: User | None) -> FindingReview:
    """Mark the finding ``key`` reviewed with ``reason`` (or change the reason)."""
    from django.core.exceptions import ValidationError

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写复核理由：为什么这一问题可以接受"))
    rule = key.split(":", 1)[0]
    if rule not in CheckRule.values:
        raise ValidationError(_("未知的体检问题"))
    review, _created = FindingReview.objects.update_or_create(
        key=key, defaults={"rule": rule, "reason": reason[:2000], "reviewed_by": by}
    )
    return review


def finding_review_withdraw(*, key: str) -> int:
    """Open the finding again. Returns how many reviews were removed."""
    deleted, _rows = FindingReview.objects.filter(key=key).delete()
    return deleted
