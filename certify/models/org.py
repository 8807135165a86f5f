"""The operator's organisation: province → branch (分公司) → service hall (营业厅)."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    name = models.CharField(_("名称"), max_length=50, unique=True)
    code = models.SlugField(_("代码"), max_length=20, unique=True)
    practical_examiner_ratio = models.PositiveSmallIntegerField(
        _("实操考评员配比（每名考评员对应考生数）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("留空则使用认证标准的默认配比（1:3）。"),
    )

    class Meta:
        verbose_name = _("省公司")
        verbose_name_plural = _("省公司")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Branch(models.Model):
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="branches", verbose_name=_("省公司"))
    name = models.CharField(_("名称"), max_length=50)

    class Meta:
        verbose_name = _("分公司")
        verbose_name_plural = _("分公司")
        ordering = ["province", "name"]
        constraints = [
            models.UniqueConstraint(fields=["province", "name"], name="branch_unique_name_in_province"),
        ]

    def __str__(self) -> str:
        return self.name


class Hall(models.Model):
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="halls", verbose_name=_("分公司"))
    name = models.CharField(_("名称"), max_length=80)

    class Meta:
        verbose_name = _("营业厅")
        verbose_name_plural = _("营业厅")
        ordering = ["branch", "name"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="hall_unique_name_in_branch"),
        ]

    def __str__(self) -> str:
        return f"{self.branch.name} · {self.name}"
