"""The certification standard (认证标准) as versioned data.

A ``StandardVersion`` is immutable once written: revising the rules writes a
new version (see ``certify.standard.services``), and a sitting keeps a foreign
key to the version it was scheduled with. The current version is the one with
the highest number.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """The three skill levels. Requirements are cumulative: 3 includes 4 includes 5."""

    FIVE = 5, _("营业五级")
    FOUR = 4, _("营业四级")
    THREE = 3, _("营业三级")

    @classmethod
    def included_in(cls, level: int) -> list[int]:
        """Levels whose requirements a paper of ``level`` may draw on (itself and every lower level)."""
        return [value for value in cls.values if value >= level]


LEVEL_KIND = {Level.FIVE: _("职业型"), Level.FOUR: _("专家型"), Level.THREE: _("顾问型")}

# The standard's own bounds (seed 002, 认证标准 7 and 6).
WRITTEN_MINUTES_RANGE = (60, 90)
PRACTICAL_MINUTES_RANGE = (20, 50)
WRITTEN_MIN_EXAMINERS_FLOOR = 2
PRACTICAL_MIN_EXAMINERS_FLOOR = 3
WRITTEN_RATIO_CEILING = 30


class StandardVersion(models.Model):
    number = models.PositiveIntegerField(_("版本号"), unique=True)
    note = models.CharField(_("修订说明"), max_length=200)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修订人"),
    )

    class Meta:
        verbose_name = _("认证标准版本")
        verbose_name_plural = _("认证标准版本")
        ordering = ["-number"]
        constraints = [models.CheckConstraint(condition=Q(number__gte=1), name="standard_version_number_positive")]

    def __str__(self) -> str:
        return _("认证标准 第 %(number)s 版") % {"number": self.number}

    def rule_for(self, level: int) -> "LevelRule":
        return self.rules.get(level=level)


class LevelRule(models.Model):
    """Everything the standard fixes for one level, within one version."""

    version = models.ForeignKey(StandardVersion, on_delete=models.PROTECT, related_name="rules", verbose_name=_("版本"))
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)

    written_minutes = models.PositiveSmallIntegerField(_("笔试时长（分钟）"))
    single_count = models.PositiveSmallIntegerField(_("单选题数量"))
    single_points = models.PositiveSmallIntegerField(_("单选题每题分值"))
    multiple_count = models.PositiveSmallIntegerField(_("多选题数量"))
    multiple_points = models.PositiveSmallIntegerField(_("多选题每题分值"))
    situational_count = models.PositiveSmallIntegerField(_("情景分析题数量"))
    situational_points = models.PositiveSmallIntegerField(_("情景分析题每题分值"))
    written_pass_mark = models.PositiveSmallIntegerField(_("笔试合格分"), default=60)

    practical_minutes = models.PositiveSmallIntegerField(_("实操时长（分钟）"))
    weight_typing = models.PositiveSmallIntegerField(_("文字阅录权重"))
    weight_business = models.PositiveSmallIntegerField(_("业务受理权重"))
    weight_scene = models.PositiveSmallIntegerField(_("情景模拟权重"))
    typing_minutes = models.PositiveSmallIntegerField(_("文字阅录限时（分钟）"), default=10)
    typing_target_cpm = models.PositiveSmallIntegerField(_("文字阅录目标净速度（字/分）"))
    practical_pass_mark = models.PositiveSmallIntegerField(_("实操合格分"), default=60)
    business_minutes = models.PositiveSmallIntegerField(_("业务受理限时（分钟）"), default=10)
    business_tasks = models.PositiveSmallIntegerField(_("业务受理任务数"), default=2)
    scene_spread_threshold = models.PositiveSmallIntegerField(
        _("情景模拟评分极差上限（满分 100）"),
        default=15,
        help_text=_("考评组评分的最高分与最低分之差超过此值时，交考评组长复核"),
    )

    # Scoring parameters (issue 13): every floor, weight and cap the scorers use, frozen with the version.
    typing_accuracy_floor = models.PositiveSmallIntegerField(
        _("文字阅录正确率下限（%）"), default=90, help_text=_("正确率低于此值时文字阅录得 0 分")
    )
    business_weight_business = models.PositiveSmallIntegerField(_("业务受理评分：业务类型分值"), default=20)
    business_weight_product = models.PositiveSmallIntegerField(_("业务受理评分：套餐/产品分值"), default=25)
    business_weight_number = models.PositiveSmallIntegerField(_("业务受理评分：号码分值"), default=5)
    business_weight_address = models.PositiveSmallIntegerField(_("业务受理评分：地址分值"), default=20)
    business_weight_slot = models.PositiveSmallIntegerField(_("业务受理评分：预约时段分值"), default=5)
    business_weight_addons = models.PositiveSmallIntegerField(_("业务受理评分：附加业务分值"), default=15)
    business_weight_payment = models.PositiveSmallIntegerField(_("业务受理评分：收费方式分值"), default=5)
    business_weight_time = models.PositiveSmallIntegerField(_("业务受理评分：用时分值"), default=5)
    business_unasked_bundle_cap = models.PositiveSmallIntegerField(_("推荐客户未要求的套餐时的得分上限"), default=30)
    business_refusal_base = models.PositiveSmallIntegerField(
        _("正确拒绝的基础分"), default=60, help_text=_("其余分数按告知客户的要点比例给出")
    )
    certificate_valid_years = models.PositiveSmallIntegerField(_("证书有效期（年）"), default=3)
    review_window_days = models.PositiveSmallIntegerField(_("成绩复核申请期限（发布后天数）"), default=7)

    written_examiner_ratio = models.PositiveSmallIntegerField(_("笔试每名考评员对应考生数"), default=30)
    written_min_examiners = models.PositiveSmallIntegerField(_("笔试每考场最少考评员"), default=2)
    practical_examiner_ratio = models.PositiveSmallIntegerField(_("实操每名考评员对应考生数（默认）"), default=3)
    practical_min_examiners = models.PositiveSmallIntegerField(_("实操每考场最少考评员"), default=3)

    class Meta:
        verbose_name = _("级别规则")
        verbose_name_plural = _("级别规则")
        ordering = ["version", "-level"]
        constraints = [
            models.UniqueConstraint(fields=["version", "level"], name="level_rule_unique_per_version"),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="level_rule_level_known"),
            models.CheckConstraint(
                condition=Q(
                    written_minutes__gte=WRITTEN_MINUTES_RANGE[0],
                    written_minutes__lte=WRITTEN_MINUTES_RANGE[1],
                    practical_minutes__gte=PRACTICAL_MINUTES_RANGE[0],
                    practical_minutes__lte=PRACTICAL_MINUTES_RANGE[1],
                ),
                name="level_rule_durations_within_standard",
            ),
            models.CheckConstraint(
                condition=Exact(
                    F("single_count") * F("single_points")
                    + F("multiple_count") * F("multiple_points")
                    + F("situational_count") * F("situational_points"),
                    100,
                ),
                name="level_rule_written_points_total_100",
            ),
            models.CheckConstraint(
                condition=Q(weight_typing=100 - F("weight_business") - F("weight_scene")),
                name="level_rule_practical_weights_total_100",
            ),
            models.CheckConstraint(
                condition=Q(
                    typing_accuracy_floor__lte=100,
                    business_unasked_bundle_cap__lte=100,
                    business_refusal_base__lte=100,
                    certificate_valid_years__gte=1,
                ),
                name="level_rule_scoring_parameters_in_range",
            ),
            models.CheckConstraint(
                condition=Q(written_pass_mark__lte=100, practical_pass_mark__lte=100),
                name="level_rule_pass_marks_at_most_100",
            ),
            models.CheckConstraint(
                condition=Q(
                    written_examiner_ratio__gte=1,
                    written_examiner_ratio__lte=WRITTEN_RATIO_CEILING,
                    written_min_examiners__gte=WRITTEN_MIN_EXAMINERS_FLOOR,
                    practical_examiner_ratio__gte=1,
                    practical_min_examiners__gte=PRACTICAL_MIN_EXAMINERS_FLOOR,
                ),
                name="level_rule_examiner_rules_within_standard",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · v{self.version.number}"

    @property
    def written_total(self) -> int:
        return (
            self.single_count * self.single_points
            + self.multiple_count * self.multiple_points
            + self.situational_count * self.situational_points
        )

    @property
    def practical_weight_total(self) -> int:
        return self.weight_typing + self.weight_business + self.weight_scene
