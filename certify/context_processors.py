from django.urls import reverse
from django.utils.translation import gettext as _

from certify.people.permissions import is_cert_admin, is_staff_member


def navigation(request) -> dict:
    """The menu a signed-in person sees; pages enforce access on their own."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [(_("首页"), reverse("home"))]
    if user.is_candidate:
        items.append((_("我的资料"), reverse("my-profile")))
    if user.is_examiner:
        items.append((_("我的考场"), reverse("my-rooms")))
        items.append((_("阅卷"), reverse("marking-home")))
    if user.is_chief_examiner and not is_cert_admin(user):
        items.append((_("统计"), reverse("statistics")))
    if is_staff_member(user):
        items.append((_("认证标准"), reverse("standard")))
    if is_cert_admin(user):
        items.append((_("考试批次"), reverse("sittings")))
        items.append((_("题库"), reverse("bank")))
        items.append((_("考生"), reverse("candidates")))
        items.append((_("统计"), reverse("statistics")))
        items.append((_("导出"), reverse("exports")))
        items.append((_("证书"), reverse("certificates")))
        items.append((_("组织机构"), reverse("organisation")))
        items.append((_("接口文档"), reverse("api-docs")))
        items.append((_("后台管理"), reverse("admin:index")))
    return {"nav_items": items}
