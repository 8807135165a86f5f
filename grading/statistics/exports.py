"""Export (e): the statistics of a sitting as tables (the item analysis and the paper's reliability)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from exams.planning.models import Sitting
from grading.exports.models import ExportJob
from grading.exports.sources import Export, sitting_filters
from grading.exports.workbook import Column, Sheet
from grading.statistics.services import sittings_item_analysis
from question_bank.models import ItemFlag, ItemVersion

TYPES = {"single": _("单选"), "multiple": _("多选"), "situational": _("情景分析")}


def item_analysis_export(job: ExportJob) -> Export:
    sitting = Sitting.objects.get(pk=job.params["sitting"])
    analysis = sittings_item_analysis(sittings=[sitting])
    labels = dict(ItemFlag.choices)
    versions = dict(ItemVersion.objects.filter(pk__in=[f.item_id for f in analysis.items]).values_list("pk", "item_id"))
    numbers = dict(ItemVersion.objects.filter(pk__in=versions).values_list("pk", "number"))
    item_rows = [
        (
            versions.get(f.item_id),
            numbers.get(f.item_id),
            str(TYPES.get(f.kind, f.kind)),
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
    figure = Column(_("数值"), "number", 8, "0.0000")
    return Export(
        title=_("试题分析（%(sitting)s）") % {"sitting": sitting.name},
        file_name=f"试题分析-{sitting.code}.xlsx",
        filters=sitting_filters(sitting),
        sheets=[
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
                item_rows,
                len(item_rows),
                note=_("没有已交卷的答卷"),
            ),
            Sheet(_("信度"), [Column(_("指标"), width=24), figure], summary, len(summary)),
        ],
    )
