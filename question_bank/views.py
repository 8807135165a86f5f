"""Pages of the question bank, for certification admins."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View

from certify.excel import MAX_UPLOAD_BYTES, RowError, upload_problem
from certify.people.permissions import RoleRequiredMixin
from certify.standard.models import Level
from question_bank.forms import COLUMN_FIELDS, BlueprintForm, ImportForm, ItemForm
from question_bank.models import Blueprint, Item, ItemFlag, ItemStatus, ItemType, KnowledgePoint
from question_bank.selectors import (
    ItemFilters,
    bank_counts,
    current_versions,
    enemy_group_members,
    item_list,
    item_statistics,
)
from question_bank.services.blueprints import blueprint_feasibility, blueprint_update
from question_bank.services.excel import ImportReport, bank_export, bank_import, bank_template
from question_bank.services.health import bank_check, finding_review, finding_review_withdraw, item_findings
from question_bank.services.items import DuplicateItem, item_create, item_set_status, item_update
from question_bank.validation import item_cells

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    # RFC 6266: an ASCII fallback and the Chinese name percent-encoded as filename*=utf-8''….
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


class BankListView(RoleRequiredMixin, View):
    def get(self, request):
        filters = ItemFilters.from_query(request.GET)
        items = item_list(filters=filters)
        page = Paginator(items, 30).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "question_bank/bank_list.html",
            {
                "filters": filters,
                "page": page,
                "total": items.count(),
                "counts": bank_counts(items=items),
                "all_counts": bank_counts(items=Item.objects.filter(status=ItemStatus.ACTIVE)),
                "types": ItemType.choices,
                "levels": Level.choices,
                "statuses": ItemStatus.choices,
                "chapters": KnowledgePoint.objects.filter(parent__isnull=True).prefetch_related("sections"),
                "querystring": query.urlencode(),
            },
        )


class ItemDetailView(RoleRequiredMixin, View):
    def get(self, request, pk: int):
        item = get_object_or_404(Item.objects.select_related("current__knowledge_point"), pk=pk)
        versions = list(item.versions.select_related("knowledge_point", "created_by").order_by("-number"))
        shown = item.current
        if request.GET.get("version", "").isdigit():
            shown = next((v for v in versions if v.number == int(request.GET["version"])), None)
            if shown is None:
                raise Http404
        return render(
            request,
            "question_bank/item_detail.html",
            {
                "item": item,
                "shown": shown,
                "versions": versions,
                "statuses": ItemStatus.choices,
                "enemies": enemy_group_members(item=item),
                "findings": item_findings(item=item),
                "statistics": item_statistics(item=item),
                "flag_labels": dict(ItemFlag.choices),
            },
        )


class ItemStatusView(RoleRequiredMixin, View):
    def post(self, request, pk: int):
        item = get_object_or_404(Item, pk=pk)
        try:
            item_set_status(item=item, status=request.POST.get("status", ""))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("状态已改为「%(status)s」。") % {"status": item.get_status_display()})
        return redirect("bank-item", pk=item.pk)


class ItemEditView(RoleRequiredMixin, View):
    """Create (no pk) or edit an item; the same validation as the Excel import."""

    def get(self, request, pk: int | None = None):
        item = get_object_or_404(Item, pk=pk) if pk else None
        initial = {}
        if item is not None:
            initial = {COLUMN_FIELDS[column]: value for column, value in item_cells(item.current).items()}
            initial["status"] = item.status
        return render(request, "question_bank/item_form.html", {"form": ItemForm(initial=initial), "item": item})

    def post(self, request, pk: int | None = None):
        item = get_object_or_404(Item, pk=pk) if pk else None
        form = ItemForm(request.POST)
        if form.is_valid():
            try:
                if item is None:
                    item = item_create(data=form.data_item, by=request.user, status=form.cleaned_data["status"])
                    messages.success(request, _("已添加第 %(id)s 题。") % {"id": item.pk})
                else:
                    was = item.current.number
                    version = item_update(item=item, data=form.data_item, by=request.user)
                    item_set_status(item=item, status=form.cleaned_data["status"])
                    if version.number != was:
                        messages.success(
                            request,
                            _("该题已被试卷使用，已保存为第 %(n)s 版；试卷仍保留原来的版本。") % {"n": version.number},
                        )
                    else:
                        messages.success(request, _("已保存。"))
                return redirect("bank-item", pk=item.pk)
            except DuplicateItem as exc:
                form.add_error("stem", exc.messages[0])
        return render(request, "question_bank/item_form.html", {"form": form, "item": item})


class ImportView(RoleRequiredMixin, View):
    def get(self, request):
        return render(
            request, "question_bank/import.html", {"form": ImportForm(), "limit_mb": MAX_UPLOAD_BYTES // 1048576}
        )

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        report = None
        if form.is_valid():
            upload = form.cleaned_data["file"]
            # Never read more than the limit: the service reports the declared size.
            report = bank_import(content=upload.read(MAX_UPLOAD_BYTES + 1), size=upload.size, by=request.user)
        else:
            # An empty or missing upload is shown like any other problem with the file.
            report = ImportReport(errors=[RowError(None, "", upload_problem(form))])
        return render(
            request,
            "question_bank/import.html",
            {"form": ImportForm(), "report": report, "limit_mb": MAX_UPLOAD_BYTES // 1048576},
            status=200 if report is None or report.ok else 400,
        )


class TemplateDownloadView(RoleRequiredMixin, View):
    def get(self, request):
        return xlsx_response(bank_template(), "题库导入模板.xlsx")


class ExportView(RoleRequiredMixin, View):
    def get(self, request):
        items = item_list(filters=ItemFilters.from_query(request.GET))
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return xlsx_response(bank_export(versions=current_versions(items=items)), f"题库导出-{stamp}.xlsx")


class BlueprintListView(RoleRequiredMixin, View):
    def get(self, request):
        reports = [blueprint_feasibility(blueprint=bp) for bp in Blueprint.objects.order_by("-level")]
        return render(request, "question_bank/blueprint_list.html", {"reports": reports})


class BlueprintDetailView(RoleRequiredMixin, View):
    def get(self, request, level: int, form: BlueprintForm | None = None):
        blueprint = get_object_or_404(Blueprint, level=level)
        return render(
            request,
            "question_bank/blueprint_detail.html",
            {
                "blueprint": blueprint,
                "form": form or BlueprintForm(instance=blueprint),
                "report": blueprint_feasibility(blueprint=blueprint),
            },
        )

    def post(self, request, level: int):
        blueprint = get_object_or_404(Blueprint, level=level)
        form = BlueprintForm(request.POST, instance=Blueprint.objects.get(pk=blueprint.pk))
        if form.is_valid():
            try:
                blueprint_update(blueprint=blueprint, values=form.values(), by=request.user)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("组卷规则已保存。"))
                return redirect(reverse("bank-blueprint", kwargs={"level": level}))
        return self.get(request, level, form=form)


class HealthView(RoleRequiredMixin, View):
    """题库体检: every finding, per item, with the rule it breaks; reviewed ones with their reason."""

    def get(self, request):
        report = bank_check()
        show_reviewed = request.GET.get("reviewed") == "1"
        rows = [
            (version, [f for f in findings if f.is_open or show_reviewed]) for version, findings in report.by_item()
        ]
        return render(
            request,
            "question_bank/health.html",
            {
                "report": report,
                "rows": [(version, findings) for version, findings in rows if findings],
                "show_reviewed": show_reviewed,
            },
        )


class HealthReviewView(RoleRequiredMixin, View):
    """Mark a finding reviewed with a reason, or open it again."""

    def post(self, request):
        key = request.POST.get("key", "")
        if request.POST.get("withdraw"):
            finding_review_withdraw(key=key)
            messages.success(request, _("已撤销复核，该问题重新列为待处理。"))
        else:
            try:
                finding_review(key=key, reason=request.POST.get("reason", ""), by=request.user)
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            else:
                messages.success(request, _("已标记为已复核。"))
        return redirect(reverse("bank-health") + ("?reviewed=1" if request.POST.get("withdraw") else ""))
