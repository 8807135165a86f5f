"""The question bank: knowledge points, items and their content versions, blueprints.

An ``Item`` is the identity an admin manages (status, which version is
current). Its content lives in ``ItemVersion`` rows; a version that has been
shown on a paper is never edited again: editing the item writes a new version
and papers keep pointing at the one they showed.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certify.standard.models import Level


class ItemType(models.TextChoices):
    SINGLE = "single", _("单项选择")
    MULTIPLE = "multiple", _("多项选择")
    SITUATIONAL = "situational", _("情景分析")


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("启用")
    RETIRED = "retired", _("停用")


class MultiplePolicy(models.TextChoices):
    STRICT = "strict", _("严格：完全正确才得分")
    PARTIAL = "partial", _("部分得分：少选且无错选得一半")


OPTION_LETTERS = "ABCDEFGH"
# An enemy group's name: letters, digits, CJK characters, "_", "-" and ".", at most 40.
ENEMY_GROUP_PATTERN = r"^[0-9A-Za-z_.\-\u4e00-\u9fff]{1,40}$"
# The same pattern with literal characters, as the databases' regular expressions want it.
_ENEMY_GROUP_DB_PATTERN = "^[0-9A-Za-z_.\\-\u4e00-\u9fff]{1,40}$"
CHINESE_NUMERALS = "零一二三四五六七八九十"


def chapter_label(code: str) -> str:
    """ "4" → "第四章"; "0" (认证须知, outside the curriculum) → "附录"."""
    number = int(code)
    if number == 0:
        return "附录"
    if number <= 10:
        return f"第{CHINESE_NUMERALS[number]}章"
    if number < 20:
        return f"第十{CHINESE_NUMERALS[number - 10]}章"
    return f"第{number}章"


class KnowledgePoint(models.Model):
    """A chapter (no parent, code "4") or a section (parent chapter, code "4.2")."""

    code = models.CharField(_("编号"), max_length=10, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="sections", verbose_name=_("所属章")
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("知识点")
        verbose_name_plural = _("知识点")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True, code__regex=r"^\d+$")
                | Q(parent__isnull=False, code__regex=r"^\d+\.\d+$"),
                name="knowledge_point_code_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def label(self) -> str:
        """ "第四章 营销服务技巧" for a chapter, "4.2 主动营销" for a section."""
        return f"{chapter_label(self.code)} {self.name}" if self.is_chapter else f"{self.code} {self.name}"

    @property
    def is_chapter(self) -> bool:
        return self.parent_id is None

    @property
    def chapter_code(self) -> str:
        return self.code.split(".")[0]


class Item(models.Model):
    status = models.CharField(_("状态"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.ACTIVE)
    current = models.OneToOneField(
        "ItemVersion",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("当前版本"),
    )
    # Normalised case + stem of the current version: the duplicate check, backed by the database.
    stem_key = models.CharField(_("题干指纹"), max_length=64, unique=True)
    # 互斥组: two items of one group never appear on the same paper (one gives the other away,
    # the same case at two levels, parallel items). Blank: no group. A property of the item,
    # not of a content version, so regrouping never writes a new version.
    enemy_group = models.CharField(_("互斥组"), max_length=40, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("题目")
        verbose_name_plural = _("题目")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ItemStatus.values), name="item_status_known"),
            models.CheckConstraint(
                condition=Q(enemy_group="") | Q(enemy_group__regex=_ENEMY_GROUP_DB_PATTERN),
                name="item_enemy_group_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class ItemVersion(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="versions", verbose_name=_("题目"))
    number = models.PositiveIntegerField(_("版本号"))
    type = models.CharField(_("题型"), max_length=12, choices=ItemType.choices)
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)
    knowledge_point = models.ForeignKey(
        KnowledgePoint, on_delete=models.PROTECT, related_name="item_versions", verbose_name=_("知识点")
    )
    difficulty = models.PositiveSmallIntegerField(_("难度"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    case = models.TextField(_("案例"), blank=True)
    stem = models.TextField(_("题干"))
    options = models.JSONField(_("选项"), default=list, blank=True)
    answer = models.CharField(_("答案"), max_length=8, blank=True)
    rubric = models.JSONField(_("评分要点"), default=list, blank=True)
    explanation = models.TextField(_("解析"))
    source = models.CharField(_("来源"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_used_at = models.DateTimeField(_("首次组卷时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("题目版本")
        verbose_name_plural = _("题目版本")
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="item_version_unique_number"),
            models.CheckConstraint(condition=Q(type__in=ItemType.values), name="item_version_type_known"),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="item_version_level_known"),
            models.CheckConstraint(
                condition=Q(difficulty__gte=1, difficulty__lte=5), name="item_version_difficulty_1_to_5"
            ),
            models.CheckConstraint(condition=~Q(stem=""), name="item_version_stem_not_blank"),
            models.CheckConstraint(
                condition=Q(type="single", answer__regex=r"^[A-H]$")
                | Q(type="multiple", answer__regex=r"^[A-H]{2,8}$")
                | Q(type="situational", answer=""),
                name="item_version_answer_fits_type",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.item_id} v{self.number}"

    @property
    def is_used(self) -> bool:
        return self.first_used_at is not None

    @property
    def lettered_options(self) -> list[tuple[str, str]]:
        return list(zip(OPTION_LETTERS, self.options, strict=False))

    @property
    def rubric_total(self) -> int:
        return sum(point["points"] for point in self.rubric)


class Blueprint(models.Model):
    """组卷规则 for one level: what every paper of that level must satisfy."""

    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices, unique=True)
    single_count = models.PositiveSmallIntegerField(_("单选题数量"))
    single_points = models.PositiveSmallIntegerField(_("单选题每题分值"))
    multiple_count = models.PositiveSmallIntegerField(_("多选题数量"))
    multiple_points = models.PositiveSmallIntegerField(_("多选题每题分值"))
    situational_count = models.PositiveSmallIntegerField(_("情景分析题数量"))
    situational_points = models.PositiveSmallIntegerField(_("情景分析题每题分值"))
    # {"single": {"1": 8, "2": 12, "4": 20}, ...}: per type, items per chapter; a type
    # without quotas draws from any chapter.
    chapter_quotas = models.JSONField(_("各章题量"), default=dict, blank=True)
    difficulty_min = models.PositiveSmallIntegerField(_("最低难度"), default=1)
    difficulty_max = models.PositiveSmallIntegerField(_("最高难度"), default=5)
    target_difficulty = models.DecimalField(_("目标平均难度"), max_digits=3, decimal_places=2, default=Decimal("3"))
    difficulty_tolerance = models.DecimalField(
        _("平均难度允许偏差"), max_digits=3, decimal_places=2, default=Decimal("0.5")
    )
    multiple_policy = models.CharField(
        _("多选题计分"), max_length=10, choices=MultiplePolicy.choices, default=MultiplePolicy.STRICT
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("组卷规则")
        verbose_name_plural = _("组卷规则")
        ordering = ["-level"]
        constraints = [
            models.CheckConstraint(condition=Q(level__in=Level.values), name="blueprint_level_known"),
            models.CheckConstraint(
                condition=Q(
                    difficulty_min__gte=1, difficulty_max__lte=5, difficulty_min__lte=models.F("difficulty_max")
                ),
                name="blueprint_difficulty_range",
            ),
            models.CheckConstraint(
                condition=Q(multiple_policy__in=MultiplePolicy.values), name="blueprint_policy_known"
            ),
        ]

    def __str__(self) -> str:
        return str(_("%(level)s 组卷规则") % {"level": self.get_level_display()})

    def count_for(self, item_type: str) -> int:
        return getattr(self, f"{item_type}_count")

    def points_for(self, item_type: str) -> int:
        return getattr(self, f"{item_type}_points")

    def quotas_for(self, item_type: str) -> dict[str, int]:
        return {str(chapter): int(count) for chapter, count in (self.chapter_quotas.get(item_type) or {}).items()}


class CheckRule(models.TextChoices):
    """The bank health check's rules (题库体检), each a fault a reviewer looks for."""

    KEY_LONGEST = "key_longest", _("答案选项明显最长")
    ALL_KEYED = "all_keyed", _("全部选项都是答案")
    STEM_CUE = "stem_cue", _("题干用词只出现在答案中")
    NEAR_DUPLICATE = "near_duplicate", _("题干近似重复")
    ENEMY_CONFLICT = "enemy_conflict", _("互斥冲突")
    QUOTE_MISSING = "quote_missing", _("引文不在所注来源中")
    DIFFICULTY_LEVEL = "difficulty_level", _("难度与级别不符")
    THIN_POOL = "thin_pool", _("题量不足以满足组卷规则")


class FindingReview(models.Model):
    """An admin's judgement that one health-check finding is acceptable, with the reason.

    ``key`` is the finding's stable identity (rule + the items' stem fingerprints, or the
    blueprint pool), so a review shipped in the fixtures applies in every database and a
    review lapses when the item's stem changes.
    """

    key = models.CharField(_("问题标识"), max_length=200, unique=True)
    rule = models.CharField(_("规则"), max_length=20, choices=CheckRule.choices)
    reason = models.TextField(_("复核理由"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("复核人"),
    )
    reviewed_at = models.DateTimeField(_("复核时间"), auto_now=True)

    class Meta:
        verbose_name = _("体检问题复核")
        verbose_name_plural = _("体检问题复核")
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(condition=Q(rule__in=CheckRule.values), name="finding_review_rule_known"),
            models.CheckConstraint(condition=~Q(reason=""), name="finding_review_reason_not_blank"),
        ]

    def __str__(self) -> str:
        return self.key


class ItemFlag(models.TextChoices):
    """The item analysis's flags (thresholds in ``grading/statistics/item_analysis.py``)."""

    TOO_EASY = "too_easy", _("过易（通过率 > 0.95）")
    TOO_HARD = "too_hard", _("过难（通过率 < 0.20）")
    LOW_DISCRIMINATION = "low_discrimination", _("区分度低（点双列相关 < 0.20）")
    DISTRACTOR_BEATS_KEY = "distractor_beats_key", _("高分组选择某干扰项多于正确答案")


class ItemStatistics(models.Model):
    """An item version's figures from the item analysis of one sitting (written by
    ``grading.statistics.services``; the bank shows them on the item's page with their flags)."""

    item_version = models.ForeignKey(
        ItemVersion, on_delete=models.CASCADE, related_name="statistics", verbose_name=_("题目版本")
    )
    # The sitting's id and name (sittings live above the bank, so no foreign key).
    sitting_id = models.PositiveIntegerField(_("考试批次编号"))
    sitting_label = models.CharField(_("考试批次"), max_length=120)
    responses = models.PositiveIntegerField(_("作答人数"))
    facility = models.FloatField(_("通过率"), null=True, blank=True)
    point_biserial = models.FloatField(_("点双列相关"), null=True, blank=True)
    upper_lower = models.FloatField(_("高低分组区分度"), null=True, blank=True)
    options = models.JSONField(_("选项选择情况"), default=list, blank=True)
    flags = models.JSONField(_("问题标记"), default=list, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("试题分析")
        verbose_name_plural = _("试题分析")
        ordering = ["-computed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["item_version", "sitting_id"], name="item_statistics_once_per_sitting")
        ]

    def __str__(self) -> str:
        return f"{self.item_version} {self.sitting_label}"
