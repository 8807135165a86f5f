"""The bank's Excel template, import and export. File safety lives in ``certify.excel``."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from certify.excel import FileProblem, RowError, read_table, write_text
from certify.people.models import User
from question_bank.models import Item, KnowledgePoint
from question_bank.services.items import DuplicateItem, item_create, situational_points_by_level
from question_bank.validation import (
    COLUMNS,
    REQUIRED_COLUMNS,
    ItemData,
    item_cells,
    item_from_cells,
    knowledge_point_label,
    knowledge_point_lookup,
)

MAX_ROWS = 5000
SHEET = "题目"


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_rows(content: bytes, *, size: int | None = None) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """The data rows of the 题目 sheet as (row number, column → text), or the file's problems."""
    return read_table(
        content, columns=COLUMNS, required=REQUIRED_COLUMNS, sheet_name=SHEET, max_rows=MAX_ROWS, size=size
    )


def bank_import(*, content: bytes, by: User | None, size: int | None = None) -> ImportReport:
    """Validate the whole file, then import every row or none. Every problem is reported.

    ``size`` is the upload's declared size when ``content`` was read only up to the limit.
    """
    report = ImportReport()
    try:
        rows, cell_errors = read_rows(content, size=size)
    except FileProblem as problem:
        report.errors.append(RowError(None, "", str(problem)))
        return report
    report.rows = len(rows)
    report.errors.extend(cell_errors)
    if not rows and not cell_errors:
        report.errors.append(RowError(None, "", _("文件中没有题目：请从第 2 行起每行填写一道题")))
        return report

    lookup = knowledge_point_lookup(list(KnowledgePoint.objects.all()))
    points = situational_points_by_level()
    in_bank = dict(Item.objects.values_list("stem_key", "pk"))
    seen: dict[str, int] = {}
    valid: list[ItemData] = []
    for row_number, cells in rows:
        data, errors = item_from_cells(cells, row=row_number, knowledge_points=lookup, situational_points=points)
        report.errors.extend(errors)
        if data is None:
            continue
        if data.stem_key in seen:
            report.errors.append(
                RowError(row_number, "题干", _("与第 %(row)s 行题干重复") % {"row": seen[data.stem_key]})
            )
        elif data.stem_key in in_bank:
            report.errors.append(
                RowError(row_number, "题干", _("与题库中的第 %(id)s 题题干相同") % {"id": in_bank[data.stem_key]})
            )
        else:
            seen[data.stem_key] = row_number
            valid.append(data)
    report.errors.sort(
        key=lambda error: (error.row or 0, COLUMNS.index(error.column) if error.column in COLUMNS else -1)
    )
    if report.errors:
        return report
    try:
        with transaction.atomic():
            for data in valid:
                item_create(data=data, by=by)
    except (DuplicateItem, IntegrityError):
        report.errors.append(RowError(None, "", _("导入时有人同时添加了相同的题目，本次未导入任何题目，请重试")))
        return report
    report.created = len(valid)
    return report


# --- writing ---------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
WIDTHS = {
    "题型": 10,
    "级别": 10,
    "知识点": 18,
    "难度": 6,
    "题干": 50,
    "答案": 8,
    "解析": 50,
    "评分要点": 40,
    "来源": 30,
    "案例": 50,
    "互斥组": 14,
}


def _items_sheet(workbook: Workbook, *, with_validation: bool):
    sheet = workbook.active
    sheet.title = SHEET
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(column, 16)
    sheet.freeze_panes = "A2"
    if with_validation:
        for column, choices in (
            ("题型", "单选,多选,情景分析"),
            ("级别", "营业五级,营业四级,营业三级"),
            ("难度", "1,2,3,4,5"),
        ):
            letter = get_column_letter(COLUMNS.index(column) + 1)
            rule = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
            rule.error = _("请从下拉列表中选择")
            sheet.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    return sheet


def bank_export(*, versions) -> bytes:
    """The given item versions in the import template's layout."""
    workbook = Workbook()
    sheet = _items_sheet(workbook, with_validation=True)
    for row, version in enumerate(versions, start=2):
        cells = item_cells(version)
        for index, column in enumerate(COLUMNS, start=1):
            write_text(sheet.cell(row=row, column=index), cells[column])
            if column in ("题干", "解析", "评分要点", "案例"):
                sheet.cell(row=row, column=index).alignment = Alignment(wrap_text=True, vertical="top")
    _instructions_sheet(workbook)
    _knowledge_sheet(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bank_template() -> bytes:
    """An empty 题目 sheet with drop-downs, plus 填写说明, 填写示例 and 知识点 sheets."""
    workbook = Workbook()
    _items_sheet(workbook, with_validation=True)
    _instructions_sheet(workbook)
    examples = workbook.create_sheet("填写示例")
    for index, column in enumerate(COLUMNS, start=1):
        examples.cell(row=1, column=index, value=column).font = Font(bold=True)
    for row, cells in enumerate(TEMPLATE_EXAMPLES, start=2):
        for index, column in enumerate(COLUMNS, start=1):
            write_text(examples.cell(row=row, column=index), cells.get(column, ""))
    _knowledge_sheet(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


INSTRUCTIONS = [
    ("题型", "单选、多选 或 情景分析"),
    ("级别", "营业五级、营业四级 或 营业三级（也可写 5、4、3）。高级别试卷可抽取低级别题目。"),
    ("知识点", "填写「知识点」工作表中的节，例如「4.2 主动营销」或「4.2」。"),
    ("难度", "1（最易）到 5（最难）的整数。"),
    ("题干", "必填。情景分析题在此填写提问，案例写在「案例」列。"),
    ("选项A…选项H", "单选题 2–8 个选项、多选题 3–8 个选项，从 A 起连续填写；情景分析题不填。"),
    ("答案", "选项字母：单选如 B，多选如 ACD（至少两个）；情景分析题不填。"),
    ("解析", "必填：说明答案依据，并以 原文：“……” 引用来源中的原句（题库体检会到所注来源中核对这句原文）。"),
    ("评分要点", "仅情景分析题：每行一条，格式「要点|分值|同义词1/同义词2」，分值合计须等于该题分值（默认 10 分）。"),
    ("来源", "教材文件与章节，例如「002 第四章第二节 主动营销」。"),
    ("案例", "仅情景分析题：案例材料。"),
    (
        "互斥组",
        "可不填。填写一个组名（汉字、字母、数字和 _ - .，不超过 40 个字符），同一组的题目不会出现在同一份试卷上："
        "例如一道选择题的答案会泄露一道情景分析题的要点，或同一案例出现在两个级别。",
    ),
    (
        "导入规则",
        "先校验整个文件：只要有一行有误就不导入任何题目，并逐条列出行号、列名和原因。题干（含案例）与文件内或题库中已有题目相同时视为重复。",
    ),
    ("安全", "单元格中的公式不会被计算，会作为错误报告；导出的以 = + - @ 开头的内容按纯文本写入。"),
]

TEMPLATE_EXAMPLES = [
    {
        "题型": "单选",
        "级别": "营业五级",
        "知识点": "4.1 沟通技巧",
        "难度": "2",
        "题干": "客户走进营业厅时，营业员首先应当（　）。",
        "选项A": "继续处理手头的单据，等客户开口",
        "选项B": "主动起身微笑问候，询问客户需求",
        "选项C": "请客户先自行取号，到休息区等候",
        "选项D": "直接向客户推荐最新的优惠套餐",
        "答案": "B",
        "解析": "接待客户要主动热情。原文：“您好!请坐!请问您办理什么业务?”",
        "来源": "002 第四章第一节 沟通技巧",
        "互斥组": "接待-问候",
    },
    {
        "题型": "多选",
        "级别": "营业四级",
        "知识点": "4.2 主动营销",
        "难度": "3",
        "题干": "下列做法属于主动营销的有（　）。",
        "选项A": "根据客户消费情况推荐合适的套餐",
        "选项B": "客户未问及时一概不介绍业务",
        "选项C": "在办理业务的同时介绍相关增值业务",
        "选项D": "向客户演示新业务的使用方法",
        "答案": "ACD",
        "解析": "原文：“营业厅主动营销,就是营业员在营业厅内发现和把握恰当的销售机会,向客户推荐合适产品,让客户能够使用”",
        "来源": "002 第四章第二节 主动营销",
    },
    {
        "题型": "情景分析",
        "级别": "营业三级",
        "知识点": "4.1 沟通技巧",
        "难度": "4",
        "案例": "客户怒气冲冲地来到营业厅，称自己的话费余额无故过期被清零，要求马上恢复。",
        "题干": "营业员应如何处理？",
        "解析": "先处理心情再处理事情；查证后按规定处理并跟进。",
        "评分要点": (
            "先安抚客户情绪并致歉|3|安抚/致歉/道歉\n"
            "查询核实余额过期原因|3|查询/核实/查证\n"
            "解释政策并提出解决方案|2|解释/方案\n"
            "跟进并告知处理结果|2|跟进/回访"
        ),
        "来源": "001 投诉处理",
    },
]


def _instructions_sheet(workbook: Workbook) -> None:
    sheet = workbook.create_sheet("填写说明")
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 100
    sheet.cell(row=1, column=1, value="列").font = Font(bold=True)
    sheet.cell(row=1, column=2, value="填写要求").font = Font(bold=True)
    for row, (column, text) in enumerate(INSTRUCTIONS, start=2):
        sheet.cell(row=row, column=1, value=column)
        sheet.cell(row=row, column=2, value=text).alignment = Alignment(wrap_text=True)


def _knowledge_sheet(workbook: Workbook) -> None:
    sheet = workbook.create_sheet("知识点")
    sheet.column_dimensions["A"].width = 30
    sheet.cell(row=1, column=1, value="知识点（节）").font = Font(bold=True)
    sections = KnowledgePoint.objects.filter(parent__isnull=False).order_by("order")
    for row, point in enumerate(sections, start=2):
        sheet.cell(row=row, column=1, value=knowledge_point_label(point))
