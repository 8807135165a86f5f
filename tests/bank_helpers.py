"""Building blocks for question-bank tests: valid cells of each type and workbooks made from rows."""

from __future__ import annotations

import io

from openpyxl import Workbook

from question_bank.services.items import item_create, knowledge_points_load, situational_points_by_level
from question_bank.validation import COLUMNS, item_from_cells, knowledge_point_lookup


def single(**overrides) -> dict[str, str]:
    cells = {
        "题型": "单选",
        "级别": "营业五级",
        "知识点": "4.1 沟通技巧",
        "难度": "2",
        "题干": "客户进厅时营业员首先应当怎样做？",
        "选项A": "继续处理手头工作",
        "选项B": "起身微笑问候客户",
        "选项C": "请客户自行取号",
        "选项D": "直接推荐新套餐",
        "答案": "B",
        "解析": "接待客户应主动问候。",
        "来源": "002 第四章第一节",
    }
    cells.update(overrides)
    return cells


def multiple(**overrides) -> dict[str, str]:
    cells = {
        "题型": "多选",
        "级别": "营业四级",
        "知识点": "4.2",
        "难度": "3",
        "题干": "下列哪些属于主动营销的做法？",
        "选项A": "根据消费情况推荐套餐",
        "选项B": "客户不问就不介绍",
        "选项C": "办理业务时介绍相关业务",
        "选项D": "演示新业务的使用方法",
        "答案": "ACD",
        "解析": "主动营销要求主动发现并满足客户需求。",
        "来源": "002 第四章第二节",
    }
    cells.update(overrides)
    return cells


def situational(**overrides) -> dict[str, str]:
    cells = {
        "题型": "情景分析",
        "级别": "营业三级",
        "知识点": "4.1",
        "难度": "4",
        "案例": "客户称话费余额无故过期被清零，情绪激动，要求马上恢复。",
        "题干": "营业员应如何处理？",
        "解析": "先处理心情再处理事情。",
        "评分要点": "安抚客户情绪并致歉|3|安抚/致歉\n查询核实原因|3|查询/核实\n解释并提出方案|2|解释/方案\n跟进告知结果|2|跟进/回访",
        "来源": "001 投诉处理",
    }
    cells.update(overrides)
    return cells


def xlsx(rows: list[dict[str, object]], *, header: list[str] = COLUMNS, title: str = "题目") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(column, "") for column in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_item(cells: dict[str, str], *, by=None, status="active"):
    knowledge_points_load()
    from question_bank.models import KnowledgePoint

    data, errors = item_from_cells(
        cells,
        row=None,
        knowledge_points=knowledge_point_lookup(list(KnowledgePoint.objects.all())),
        situational_points=situational_points_by_level(),
    )
    assert not errors, errors
    return item_create(data=data, by=by, status=status)
