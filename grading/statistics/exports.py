"""Export (e): the statistics pages' tables in one workbook, a sheet per chart (the same
selectors as the pages), plus the item analysis and examiner consistency for a sitting."""

from __future__ import annotations

from django.utils.translation import gettext as _

from certify.standard.models import Level
from exams.planning.models import Sitting
from grading.exports.models import ExportJob
from grading.exports.sources import Export, sitting_filters
from grading.exports.workbook import Column, Sheet
from grading.results.models import Result
from grading.statistics import selectors
from grading.statistics.services import sittings_item_analysis
from question_bank.models import ItemFlag, ItemType, ItemVersion

RATE_COLUMNS = [
    Column(_("人数"), "number", 6),
    Column(_("缺考"), "number", 6),
    Column(_("实考"), "number", 6),
    Column(_("合格"), "number", 6),
    Column(_("合格率（%）"), "number", 8, "0.0"),
]


def _rates(name: str, header: str, rows) -> Sheet:
    data = [(row.label, row.total, row.absent, row.sat, row.passed, row.rate) for row in rows]
    return Sheet(name, [Column(header, width=20), *RATE_COLUMNS], data, len(data), note=_("没有已发布的成绩"))


def item_sheets(analysis) -> list[Sheet]:
    labels = dict(ItemFlag.choices)
    kinds = dict(ItemType.choices)
    versions = {
        pk: (item, number)
        for pk, item, number in ItemVersion.objects.filter(pk__in=[f.item_id for f in analysis.items]).values_list(
            "pk", "item_id", "number"
        )
    }
    rows = [
        (
            *versions.get(f.item_id, (None, None)),
            str(kinds.get(f.kind, f.kind)),
            f.responses,
            f.facility,
            f.point_biserial,
            f.upper_lower,
            "；".join(f"{o.letter}{'✓' if o.is_key else ''} {o.upper}/{o.lower}" for o in f.options),
            _("样本不足（少于 %(n)s 人作答）") % {"n": analysis.min_responses}
            if f.too_few
            else "；".join(str(labels[flag]) for flag in f.flags),
        )
        for f in analysis.items
    ]
    summary = [
        (_("考生人数"), analysis.candidates),
        (_("KR-20（客观题，按题位）"), analysis.kr20),
        (_("客观题题位数"), analysis.objective_positions),
        (_("Cronbach α（全卷，按题位）"), analysis.alpha),
        (_("题位数"), analysis.positions),
        (_("最少作答人数"), analysis.min_responses),
    ]
    return [
        Sheet(
            _("试题分析"),
            [
                Column(_("题目"), "number", 6),
                Column(_("版本"), "number", 4),
                Column(_("题型"), width=8),
                Column(_("作答人数"), "number", 6),
                Column(_("通过率"), "number", 6, "0.00"),
                Column(_("点双列相关"), "number", 6, "0.00"),
                Column(_("高低分组区分度"), "number", 6, "0.00"),
                Column(_("选项 高分组/低分组（✓为答案）"), width=40),
                Column(_("问题"), width=40),
            ],
            rows,
            len(rows),
            note=_("没有已交卷的答卷"),
        ),
        Sheet(_("信度"), [Column(_("指标"), width=24), Column(_("数值"), "number", 8)], summary, len(summary)),
    ]


def statistics_export(job: ExportJob) -> Export:
    results = Result.objects.all()
    filters: list[tuple[str, str]] = []
    sitting = None
    if job.params.get("sitting"):
        sitting = Sitting.objects.get(pk=job.params["sitting"])
        results = results.filter(sitting=sitting)
        filters = sitting_filters(sitting)
    else:
        results = results.filter(sitting__in=selectors.sittings_for(job.requested_by))
    if job.params.get("level"):
        results = results.filter(level=job.params["level"])
        filters.append((_("级别"), str(Level(job.params["level"]).label)))
    figures = selectors.overview(results)
    bands = [
        (band, w, p) for band, w, p in zip(figures["bands"], figures["written"], figures["practical"], strict=True)
    ]
    quadrant_labels = {
        "both_passed": _("两部分均合格"),
        "written_failed": _("笔试不合格、实操合格"),
        "practical_failed": _("笔试合格、实操不合格"),
        "both_failed": _("两部分均不合格"),
    }
    quadrants = [(str(quadrant_labels[key]), value) for key, value in figures["quadrants"].items()]
    halls = [(row["branch"], row["hall"], row["n"], *row["means"]) for row in figures["halls"]]
    sheets = [
        _rates(_("合格率-级别"), _("级别"), figures["by_level"]),
        _rates(_("合格率-分公司"), _("分公司"), figures["by_branch"]),
        _rates(_("合格率-营业厅"), _("营业厅"), figures["by_hall"]),
        _rates(_("合格率-批次"), _("考试批次"), figures["by_sitting"]),
        Sheet(
            _("成绩分布"),
            [Column(_("分数段"), width=8), Column(_("笔试人数"), "number", 6), Column(_("实操人数"), "number", 6)],
            bands,
            len(bands),
        ),
        Sheet(
            _("笔试与实操"),
            [Column(_("情况"), width=22), Column(_("人数"), "number", 6)],
            quadrants,
            len(quadrants),
        ),
        Sheet(
            _("各营业厅平均分"),
            [
                Column(_("分公司"), width=12),
                Column(_("营业厅"), width=18),
                Column(_("人数"), "number", 6),
                *[Column(part, "number", 6, "0.0") for part in figures["parts"]],
            ],
            halls,
            len(halls),
            note=_("没有已发布的成绩"),
        ),
    ]
    if sitting is not None:
        sheets += item_sheets(sittings_item_analysis(sittings=[sitting]))
        markers = [
            (m.name, m.count, m.agreement, m.co_mean, m.control_mean, m.third_share)
            for m in selectors.marking_consistency(sitting)
        ]
        panels = [
            (p["label"], p["targets"], p["raters"], p["single"], p["panel"])
            for p in selectors.panel_consistency([sitting])
        ]
        sheets += [
            Sheet(
                _("情景模拟评分一致性"),
                [
                    Column(_("范围"), width=12),
                    Column(_("考生数"), "number", 6),
                    Column(_("考评员数"), "number", 6),
                    Column(_("单人 ICC"), "number", 6, "0.00"),
                    Column(_("小组平均 ICC"), "number", 6, "0.00"),
                ],
                panels,
                len(panels),
                note=_("没有已定分的情景模拟"),
            ),
            Sheet(
                _("阅卷一致性"),
                [
                    Column(_("阅卷员"), width=10),
                    Column(_("评阅份数"), "number", 6),
                    Column(_("与同评一致率（%）"), "number", 8),
                    Column(_("与同评平均偏差（%）"), "number", 8),
                    Column(_("自测卷平均偏差（%）"), "number", 8),
                    Column(_("送三评比例（%）"), "number", 8),
                ],
                markers,
                len(markers),
                note=_("没有阅卷记录"),
            ),
        ]
    name = sitting.name if sitting else _("全部批次")
    return Export(
        title=_("统计表（%(name)s）") % {"name": name},
        file_name=f"统计-{sitting.code if sitting else '全部'}.xlsx",
        filters=filters,
        sheets=sheets,
    )
