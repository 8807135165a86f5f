"""The statistics pages: pass rates, score distributions, the written/practical scatter, hall
averages, item analysis and examiner consistency, each chart beside its table with an Excel
download. Admins see every sitting; chief examiners the sittings where they chair a room."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from certify.people.models import User
from certify.people.permissions import RoleRequiredMixin
from certify.standard.models import Level
from exams.planning.models import Sitting
from grading.results.models import Result
from grading.statistics import selectors
from grading.statistics.item_analysis import MIN_RESPONSES
from grading.statistics.services import item_analysis_store, sittings_item_analysis
from question_bank.models import ItemFlag, ItemVersion


def may_read_statistics(user: User) -> bool:
    return user.is_authenticated and (user.is_cert_admin or user.is_chief_examiner)


def _sitting_for(user: User, pk: int) -> Sitting:
    sitting = selectors.sittings_for(user).filter(pk=pk).first()
    if sitting is None:
        raise Http404
    return sitting


def charts(figures: dict) -> dict:
    """The Chart.js specifications (read by statistics/charts.js) for ``selectors.overview``."""
    rate = lambda rows: {  # noqa: E731
        "type": "bar",
        "labels": [row.label for row in rows],
        "series": [{"label": _("合格率（%）"), "data": [row.rate for row in rows]}],
        "y_max": 100,
    }
    return {
        "by_level": rate(figures["by_level"]),
        "by_branch": rate(figures["by_branch"]),
        "by_hall": rate(figures["by_hall"]),
        "by_sitting": {**rate(figures["by_sitting"]), "type": "line"},
        "distribution": {
            "type": "bar",
            "labels": figures["bands"],
            "series": [
                {"label": _("笔试成绩"), "data": figures["written"]},
                {"label": _("实操成绩"), "data": figures["practical"]},
            ],
        },
        "scatter": {
            "type": "scatter",
            "series": [{"label": _("考生"), "data": [{"x": p["x"], "y": p["y"]} for p in figures["scatter"]]}],
            "x_title": _("笔试成绩"),
            "y_title": _("实操成绩"),
            "quadrants": 60,
        },
        "halls": {
            "type": "bar",
            "labels": [row["hall"] for row in figures["halls"]],
            "series": [
                {"label": part, "data": [row["means"][index] for row in figures["halls"]]}
                for index, part in enumerate(figures["parts"])
            ],
            "y_max": 100,
        },
    }


class StatisticsView(RoleRequiredMixin, View):
    allowed = staticmethod(may_read_statistics)

    def get(self, request):
        sittings = selectors.sittings_for(request.user)
        results = Result.objects.filter(sitting__in=sittings)
        level = request.GET.get("level", "")
        if level in {str(value) for value in Level.values}:
            results = results.filter(level=int(level))
        figures = selectors.overview(results)
        return render(
            request,
            "statistics/overview.html",
            {
                "figures": figures,
                "charts": charts(figures),
                "levels": Level.choices,
                "level": level,
                "sittings": sittings[:100],
                "panels": selectors.panel_consistency(sittings[:20]),
            },
        )


class SittingStatisticsView(RoleRequiredMixin, View):
    allowed = staticmethod(may_read_statistics)

    def get(self, request, pk: int):
        sitting = _sitting_for(request.user, pk)
        figures = selectors.overview(Result.objects.filter(sitting=sitting))
        analysis = sittings_item_analysis(sittings=[sitting])
        return render(
            request,
            "statistics/sitting.html",
            {
                "sitting": sitting,
                "figures": figures,
                "charts": charts(figures),
                "analysis": analysis,
                "items": _item_rows(analysis),
                "item_chart": _item_chart(analysis),
                "flag_labels": dict(ItemFlag.choices),
                "min_responses": MIN_RESPONSES,
                "panels": selectors.panel_consistency([sitting]),
                "markers": selectors.marking_consistency(sitting),
            },
        )

    def post(self, request, pk: int):
        """Store the sitting's item analysis on the bank's items (admins only)."""
        sitting = _sitting_for(request.user, pk)
        if not request.user.is_cert_admin:
            raise PermissionDenied
        analysis = item_analysis_store(sitting=sitting)
        flagged = sum(1 for f in analysis.items if f.flags)
        messages.success(
            request,
            _("已将 %(n)s 道题的分析结果写入题库，其中 %(f)s 道有问题标记")
            % {
                "n": sum(1 for f in analysis.items if not f.too_few),
                "f": flagged,
            },
        )
        return redirect("statistics-sitting", sitting.pk)


class ItemsAcrossSittingsView(RoleRequiredMixin, View):
    """Item analysis over every sitting of one level the viewer may read."""

    allowed = staticmethod(may_read_statistics)

    def get(self, request):
        level = request.GET.get("level", "5")
        if level not in {str(value) for value in Level.values}:
            level = "5"
        sittings = list(selectors.sittings_for(request.user).filter(level=int(level)))
        analysis = sittings_item_analysis(sittings=sittings)
        return render(
            request,
            "statistics/items.html",
            {
                "level": level,
                "levels": Level.choices,
                "sittings": sittings,
                "analysis": analysis,
                "items": _item_rows(analysis),
                "item_chart": _item_chart(analysis),
                "flag_labels": dict(ItemFlag.choices),
                "min_responses": MIN_RESPONSES,
            },
        )


def _item_rows(analysis) -> list[dict]:
    versions = {
        pk: (item, number)
        for pk, item, number in ItemVersion.objects.filter(pk__in=[f.item_id for f in analysis.items]).values_list(
            "pk", "item_id", "number"
        )
    }
    rows = [
        {
            "figures": f,
            "item": versions.get(f.item_id, (None, None))[0],
            "version": versions.get(f.item_id, (None, None))[1],
        }
        for f in analysis.items
    ]
    return sorted(rows, key=lambda row: (row["figures"].too_few, not row["figures"].flags, row["item"] or 0))


def _item_chart(analysis) -> dict:
    shown = [f for f in analysis.items if not f.too_few and f.point_biserial is not None]
    return {
        "type": "scatter",
        "series": [{"label": _("题目"), "data": [{"x": f.facility, "y": f.point_biserial} for f in shown]}],
        "x_title": _("通过率"),
        "y_title": _("点双列相关"),
        "x_max": 1,
    }
