"""Excel import: all or nothing, every error with its row and column, hostile files refused clearly."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from certify.excel import MAX_UPLOAD_BYTES
from question_bank.models import Item, ItemVersion
from question_bank.services.excel import bank_import
from question_bank.services.items import knowledge_points_load
from question_bank.validation import COLUMNS
from tests.bank_helpers import make_item, multiple, single, situational, xlsx
from tests.conftest import client_for


@pytest.fixture
def bank(standard):
    knowledge_points_load()


def errors_of(report) -> list[tuple]:
    return [(e.row, e.column, e.message) for e in report.errors]


def test_a_valid_file_imports_every_row(bank, hr):
    report = bank_import(content=xlsx([single(), multiple(), situational()]), by=hr)
    assert errors_of(report) == []
    assert report.created == 3
    versions = {v.type: v for v in ItemVersion.objects.all()}
    assert versions["single"].answer == "B"
    assert versions["single"].options[1] == "起身微笑问候客户"
    assert versions["multiple"].answer == "ACD"
    assert versions["multiple"].knowledge_point.code == "4.2"
    assert versions["situational"].rubric[0] == {
        "point": "安抚客户情绪并致歉",
        "points": 3,
        "phrasings": ["安抚", "致歉"],
    }
    assert versions["situational"].case.startswith("客户称话费余额")
    assert all(v.created_by == hr for v in versions.values())


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_error(bank, hr):
    make_item(single(题干="题库里已有的题目？"))
    rows = [
        single(),  # row 2: fine
        single(题型="判断"),  # 3
        single(答案="E"),  # 4
        single(题干="单选题两个答案？", 答案="AC"),  # 5
        single(题干=""),  # 6
        multiple(知识点="9.9 不存在"),  # 7
        multiple(题干="难度不对的多选题？", 难度="7"),  # 8
        situational(评分要点="安抚|3|安抚\n核实|3|核实"),  # 9
        single(题干="客户进厅时营业员首先应当怎样做？"),  # 10: same as row 2
        single(题干="题库里已有的题目"),  # 11: same as the bank's (punctuation ignored)
        multiple(题干="只有一个答案的多选题？", 答案="A"),  # 12
        single(题干="选项有空缺？", 选项B=""),  # 13
    ]
    report = bank_import(content=xlsx(rows), by=hr)
    assert errors_of(report) == [
        (3, "题型", "未知题型「判断」，应为 单选、多选 或 情景分析"),
        (4, "答案", "答案中的 E 不在选项中（只有 A–D）"),
        (5, "答案", "单选题只能有一个答案，填写了 AC"),
        (6, "题干", "题干不能为空"),
        (7, "知识点", "未知知识点「9.9 不存在」，请使用知识点表中的节，例如「4.2 主动营销」"),
        (8, "难度", "难度应为 1 到 5 的整数，填写的是「7」"),
        (9, "评分要点", "评分要点合计 6 分，应与本题分值 10 分相等"),
        (10, "题干", "与第 2 行题干重复"),
        (11, "题干", f"与题库中的第 {Item.objects.get().pk} 题题干相同"),
        (12, "答案", "多选题至少要有两个答案，填写了 A"),
        (13, "选项B", "选项B 为空，但后面还有选项：选项须从 A 起连续填写"),
    ]
    assert report.created == 0
    assert Item.objects.count() == 1


def test_a_formula_cell_is_reported_not_evaluated(bank, hr):
    report = bank_import(content=xlsx([single(选项C='=HYPERLINK("http://x","点我")')]), by=hr)
    assert errors_of(report) == [(2, "选项C", '单元格是公式（=HYPERLINK("http://x","点我")），不予计算：请填写纯文本')]
    assert Item.objects.count() == 0


def test_situational_items_need_a_case_and_rubric_and_no_options(bank, hr):
    report = bank_import(content=xlsx([situational(案例="", 评分要点="", 选项A="多余", 答案="A")]), by=hr)
    assert errors_of(report) == [
        (2, "选项A", "情景分析题不填写选项"),
        (2, "答案", "情景分析题不填写答案，请在「评分要点」中写明要点"),
        (2, "评分要点", "情景分析题需要评分要点，每行一条：要点|分值|同义词1/同义词2"),
        (2, "案例", "情景分析题需要填写案例"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件是空的"),
        ("工号,姓名\n1,张三\n".encode(), "这不是 Excel 文件（.xlsx）：请下载模板填写后上传"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再导入",
        ),
        (b"x" * (MAX_UPLOAD_BYTES + 1), "文件过大（5.0 MB），上限为 5 MB"),
    ],
    ids=["empty", "csv", "xls", "oversized"],
)
def test_files_that_are_not_workbooks_get_a_clear_message(bank, hr, content, message):
    report = bank_import(content=content, by=hr)
    assert errors_of(report) == [(None, "", message)]


def test_a_zip_that_is_not_a_workbook_is_refused(bank, hr):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    report = bank_import(content=buffer.getvalue(), by=hr)
    assert errors_of(report) == [(None, "", "这不是 Excel 文件（.xlsx）：压缩包中没有工作簿")]


def test_wrong_columns_are_named(bank, hr):
    header = ["题型", "级别", "题目内容", "答案"]
    report = bank_import(content=xlsx([{"题型": "单选"}], header=header), by=hr)
    assert len(report.errors) == 1
    message = report.errors[0].message
    assert message.startswith("缺少列：知识点、难度、题干、选项A")
    assert "无法识别的列：题目内容" in message


def test_a_workbook_with_only_the_header_says_there_is_nothing_to_import(bank, hr):
    report = bank_import(content=xlsx([]), by=hr)
    assert errors_of(report) == [(None, "", "文件中没有题目：请从第 2 行起每行填写一道题")]


def test_numbers_typed_as_numbers_are_read_as_text(bank, hr):
    report = bank_import(content=xlsx([single(难度=2, 级别=5)]), by=hr)
    assert errors_of(report) == []
    assert ItemVersion.objects.get().level == 5


CELL_VALUES = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["单选", "多选", "情景分析", "营业五级", "4.2", "B", "ACD", "=1+1", "-5", "@x", "a|b|c"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.fixed_dictionaries(dict.fromkeys(COLUMNS, CELL_VALUES)), min_size=1, max_size=4))
def test_random_cells_never_cause_a_server_error(bank, hr, rows):
    try:
        content = xlsx(rows)
    except IllegalCharacterError:
        return  # openpyxl refuses to write control characters: no upload can hold them
    upload = SimpleUploadedFile("bank.xlsx", content)
    response = client_for(hr).post("/api/bank/import/", {"file": upload})
    assert response.status_code in (201, 400)
    body = response.json()
    if response.status_code == 400:
        assert body["errors"] and all(error["message"] for error in body["errors"])
        assert Item.objects.count() == 0
    else:
        assert body["created"] == Item.objects.count()
    Item.objects.all().delete()


def test_the_api_imports_a_file_and_reports_errors(bank, hr):
    client = client_for(hr)
    good = client.post("/api/bank/import/", {"file": SimpleUploadedFile("a.xlsx", xlsx([single()]))})
    assert good.status_code == 201
    assert good.json() == {"rows": 1, "created": 1, "errors": []}
    bad = client.post("/api/bank/import/", {"file": SimpleUploadedFile("b.xlsx", xlsx([single(难度="难")]))})
    assert bad.status_code == 400
    assert bad.json()["errors"] == [{"row": 2, "column": "难度", "message": "难度应为 1 到 5 的整数，填写的是「难」"}]


def test_the_import_page_shows_the_report(bank, hr):
    client = client_for(hr)
    response = client.post("/bank/import/", {"file": SimpleUploadedFile("b.xlsx", xlsx([single(答案="")]))})
    assert response.status_code == 400
    page = response.content.decode()
    assert "发现 1 处错误，未导入任何题目" in page
    assert "答案不能为空，填写选项字母，例如 B 或 ACD" in page
    response = client.post("/bank/import/", {"file": SimpleUploadedFile("a.xlsx", xlsx([single(), multiple()]))})
    assert response.status_code == 200
    assert "导入成功：新增 2 道题目。" in response.content.decode()


def test_the_management_commands_import_and_export(bank, tmp_path, capsys):
    source = tmp_path / "in.xlsx"
    source.write_bytes(xlsx([single(), situational()]))
    call_command("import_bank", str(source))
    assert Item.objects.count() == 2
    target = tmp_path / "out.xlsx"
    call_command("export_bank", str(target))
    assert "已导出 2 道题目" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([single(题型="")]))
    with pytest.raises(Exception, match="发现 1 处错误，未导入任何题目"):
        call_command("import_bank", str(bad))


@pytest.mark.parametrize(
    "url", ["/bank/", "/bank/import/", "/bank/blueprints/", "/api/bank/items/", "/api/bank/template/"]
)
def test_only_certification_admins_reach_the_bank(bank, examiner, candidate, url):
    assert client_for(examiner).get(url).status_code == 403
    assert client_for(candidate.user).get(url).status_code == 403


def test_control_characters_are_refused_so_every_item_can_be_exported(bank, hr):
    response = client_for(hr).post(
        "/api/bank/items/", {"cells": single(题干="客户\x1f进厅时？")}, content_type="application/json"
    )
    assert response.status_code == 400
    # Refused at the edge for every endpoint now (certify.input_guard), naming the field.
    assert response.json() == {
        "detail": "「cells.题干」含有不可见的控制字符（U+001F），请删除后重试",
        "field": "cells.题干",
    }
