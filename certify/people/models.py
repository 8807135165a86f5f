"""People: the operator's organisation (province → branch 分公司 → service hall 营业厅), users and
their roles, and candidates' personal records."""

from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certify.people.hashers import FirstLoginHasher
from certify.standard.models import Level
from certify.validators import validate_id_number, validate_mobile

FIRST_LOGIN_PREFIX = f"{FirstLoginHasher.algorithm}$"


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


class Role(models.TextChoices):
    CANDIDATE = "candidate", _("考生")
    EXAMINER = "examiner", _("考评员")
    CHIEF_EXAMINER = "chief_examiner", _("考评组长")
    ADMIN = "admin", _("认证管理员")


class User(AbstractUser):
    """Anyone who signs in. A candidate also has a ``Candidate`` record."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.CANDIDATE)
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    hall = models.ForeignKey(
        Hall, on_delete=models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("营业厅")
    )
    # Set while the password is the first-login secret (a roster candidate): the first sign-in
    # consumes it and every page asks for a new password until one is set (certify.people.auth).
    password_must_change = models.BooleanField(_("须设置新密码"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        permissions = [("view_personal_data", _("可查看完整身份证号和手机号"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[choice.value for choice in Role]), name="user_role_known"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def set_password(self, raw_password) -> None:
        """A real password ends the first-login state."""
        super().set_password(raw_password)
        self.password_must_change = False

    def check_password(self, raw_password) -> bool:
        if self.password.startswith(FIRST_LOGIN_PREFIX):
            # The first-login secret is checked, never re-hashed into a lasting password.
            return check_password(raw_password, self.password)
        return super().check_password(raw_password)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def is_candidate(self) -> bool:
        return self.role == Role.CANDIDATE

    @property
    def is_examiner(self) -> bool:
        """Chief examiners are examiners too."""
        return self.role in (Role.EXAMINER, Role.CHIEF_EXAMINER)

    @property
    def is_chief_examiner(self) -> bool:
        return self.role == Role.CHIEF_EXAMINER

    @property
    def is_cert_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN


class Candidate(models.Model):
    """A clerk who sits certification exams: the record HR's roster describes."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="candidate", verbose_name=_("账号"))
    employee_no = models.CharField(_("工号"), max_length=20, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True, validators=[validate_id_number])
    phone = models.CharField(_("手机号"), max_length=11, validators=[validate_mobile])
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="candidates", verbose_name=_("营业厅"))
    level = models.PositiveSmallIntegerField(
        _("报考级别"), choices=Level.choices, null=True, blank=True, help_text=_("最近一次报考的级别")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("考生")
        verbose_name_plural = _("考生")
        ordering = ["employee_no"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(employee_no=""), name="candidate_employee_no_not_blank"),
            models.CheckConstraint(
                condition=models.Q(id_number__regex=r"^\d{17}[\dX]$"), name="candidate_id_number_shape"
            ),
            models.CheckConstraint(condition=models.Q(phone__regex=r"^1\d{10}$"), name="candidate_phone_shape"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_no} {self.name}"


class ApiToken(models.Model):
    """An API token (``Authorization: Token <key>``). Only the key's SHA-256 is stored.

    It expires (``API_TOKEN_SECONDS`` after it is issued, default an exam day; a candidate's
    never after the end of their sitting's last window) and can be revoked: by its holder
    (``POST /api/auth/token/revoke/``) or by an administrator (Django admin → API 令牌).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户"))
    key_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("签发时间"))
    expires_at = models.DateTimeField(_("过期时间"), db_index=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="api_token_expires_after_issue"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"
