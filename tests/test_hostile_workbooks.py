"""Issue 11 (7, 8, 10, 11): every row of a workbook is imported or reported, whatever its sheet
XML says; malformed parts each get their own message; hostile files cost bounded memory and time."""

import io
import time
import zipfile

import pytest

from certify.people.models import Candidate
from exams.planning.roster import roster_import
from tests.exam_helpers import id_number, make_sitting, roster_xlsx
from tests.test_roster import errors_of, person

pytestmark = pytest.mark.django_db

SHEET = "xl/worksheets/sheet1.xml"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
HEADER = ["工号", "姓名", "身份证号", "手机号", "分公司", "营业厅", "报考级别"]


@pytest.fixture
def sitting(org, standard):
    return make_sitting(org)


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def row_xml(number: int, values: list[str]) -> str:
    cells = "".join(inline(f"{chr(65 + i)}{number}", v) for i, v in enumerate(values) if v != "")
    return f'<row r="{number}">{cells}</row>'


def person_values(n: int, **overrides) -> list[str]:
    row = person(n, **overrides)
    return [row[column] for column in HEADER]


def with_sheet(xml: str, *, replace: dict | None = None, base: bytes | None = None) -> bytes:
    """The template roster with its first sheet's XML (and any other part) replaced."""
    source = zipfile.ZipFile(io.BytesIO(base or roster_xlsx([])))
    out = io.BytesIO()
    parts = {SHEET: xml, **(replace or {})}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = parts.pop(info.filename, None)
            target.writestr(info.filename, data if data is not None else source.read(info.filename))
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def sheet(*rows: str, dimension: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>{dim}<sheetData>{"".join(rows)}</sheetData></worksheet>'
    )


def test_rows_written_out_of_order_are_all_imported(sitting, hr):
    content = with_sheet(sheet(row_xml(1, HEADER), row_xml(3, person_values(3)), row_xml(2, person_values(2))))
    report = roster_import(sitting=sitting, content=content, by=hr)
    assert errors_of(report) == []
    assert (report.rows, report.created) == (2, 2)
    assert set(Candidate.objects.values_list("employee_no", flat=True)) == {"R0002", "R0003"}


def test_a_row_number_written_twice_is_reported_and_nothing_is_imported(sitting, hr):
    content = with_sheet(
        sheet(
            row_xml(1, HEADER), row_xml(2, person_values(2)), row_xml(2, person_values(3)), row_xml(3, person_values(4))
        )
    )
    report = roster_import(sitting=sitting, content=content, by=hr)
    assert (
        2,
        "",
        "第 2 行在工作表中出现了不止一次（行号重复），无法确定以哪一行为准：请在 Excel 中打开后另存为 .xlsx 再导入",
    ) in errors_of(report)
    assert not Candidate.objects.exists()


def test_a_dimension_that_lies_about_the_size_loses_no_row(sitting, hr):
    rows = [row_xml(1, HEADER)] + [row_xml(n, person_values(n)) for n in range(2, 6)]
    report = roster_import(sitting=sitting, content=with_sheet(sheet(*rows, dimension="A1:G2")), by=hr)
    assert errors_of(report) == [] and report.created == 4


def test_a_stray_cell_at_the_last_excel_row_is_a_row_not_too_many_rows(sitting, hr):
    content = with_sheet(sheet(row_xml(1, HEADER), row_xml(2, person_values(2)), row_xml(1048576, ["R9999"])))
    report = roster_import(sitting=sitting, content=content, by=hr)
    assert not any("一次最多导入" in e.message for e in report.errors)
    assert {e.row for e in report.errors} == {1048576}  # reported, with its own number
    empty_styled = '<row r="1048576"><c r="A1048576" s="0"/></row>'
    report = roster_import(
        sitting=sitting,
        content=with_sheet(sheet(row_xml(1, HEADER), row_xml(2, person_values(2)), empty_styled)),
        by=hr,
    )
    assert errors_of(report) == [] and report.created == 1


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (
            sheet(row_xml(1, HEADER))[:-40],
            "工作表 XML 不完整或已损坏（xl/worksheets/sheet1.xml）：请在 Excel 中打开后另存为 .xlsx 再导入",
        ),
    ],
)
def test_truncated_sheet_xml_says_so(sitting, hr, xml, message):
    report = roster_import(sitting=sitting, content=with_sheet(xml), by=hr)
    assert errors_of(report) == [(None, "", message)]


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ('<c r="B2" t="s"><v>999</v></c>', "单元格 B2 引用的共享字符串（第 999 项）不存在"),
        ('<c r="B2"><v>abc</v></c>', "单元格 B2 标为数字，内容却是「abc」"),
        ('<c r="B2" t="d"><v>明天</v></c>', "单元格 B2 标为日期，内容「明天」不是日期"),
        ('<c r="B2" t="b"><v>maybe</v></c>', "单元格 B2 标为是/否，内容却是「maybe」"),
        ('<c r="B7"><v>1</v></c>', "单元格引用「B7」与所在的第 2 行不符"),
    ],
)
def test_a_malformed_cell_is_reported_by_its_reference(sitting, hr, cell, message):
    values = person_values(2)
    row = (
        f'<row r="2">{inline("A2", values[0])}{cell}'
        + "".join(inline(f"{chr(65 + i)}2", v) for i, v in enumerate(values) if i > 1)
        + "</row>"
    )
    report = roster_import(sitting=sitting, content=with_sheet(sheet(row_xml(1, HEADER), row)), by=hr)
    assert (2, "", message) in errors_of(report)
    assert not Candidate.objects.exists()


def test_an_encrypted_workbook_is_named_as_encrypted(sitting, hr):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 500
    report = roster_import(sitting=sitting, content=ole, by=hr)
    assert errors_of(report) == [(None, "", "文件已加密（设置了打开密码）：请在 Excel 中取消密码后另存为 .xlsx 再导入")]


def test_a_numeric_id_number_is_refused_before_it_loses_precision(sitting, hr):
    values = person_values(2)
    numeric = (
        f'<c r="C2"><v>{id_number(2)[:17]}4</v></c>'
        if id_number(2)[-1] != "X"
        else f'<c r="C2"><v>{id_number(2)[:17]}</v></c>'
    )
    cells = [inline("A2", values[0]), inline("B2", values[1]), numeric, '<c r="D2"><v>13712345678</v></c>']
    cells += [inline(f"{chr(65 + i)}2", v) for i, v in enumerate(values) if i > 3]
    content = with_sheet(sheet(row_xml(1, HEADER), f'<row r="2">{"".join(cells)}</row>'))
    report = roster_import(sitting=sitting, content=content, by=hr)
    message = "单元格是数字，长数字会丢失精度：请将此列设置为文本格式后重新填写"
    assert (2, "身份证号", message) in errors_of(report) and (2, "手机号", message) in errors_of(report)
    assert not Candidate.objects.exists()


def test_a_styles_part_with_seventy_thousand_formats_is_refused_quickly(sitting, hr):
    xfs = '<xf numFmtId="0"/>' * 70000
    styles = f'<?xml version="1.0"?><styleSheet {NS}><cellXfs count="70000">{xfs}</cellXfs></styleSheet>'
    content = with_sheet(sheet(row_xml(1, HEADER), row_xml(2, person_values(2))), replace={"xl/styles.xml": styles})
    assert len(content) < 200_000
    started = time.monotonic()
    report = roster_import(sitting=sitting, content=content, by=hr)
    assert time.monotonic() - started < 10
    assert errors_of(report) == [
        (None, "", "文件中的单元格格式超过 64000 种，无法导入：请把数据复制到新的工作簿后再导入")
    ]


def test_a_workbook_needing_more_memory_than_the_limit_is_refused(sitting, hr, settings):
    settings.EXCEL_MEMORY_MB = 48
    strings = "".join(f"<si><t>{'长文本' * 400}{n}</t></si>" for n in range(12000))
    shared = f'<?xml version="1.0"?><sst {NS} count="12000">{strings}</sst>'
    content = with_sheet(sheet(row_xml(1, HEADER)), replace={"xl/sharedStrings.xml": shared})
    report = roster_import(sitting=sitting, content=content, by=hr)
    assert errors_of(report) == [
        (None, "", "读取文件时超出了内存或时间限制：文件过于复杂，无法导入。请把数据复制到新的工作簿后再导入")
    ]


def test_an_empty_upload_on_the_roster_page_shows_its_error(sitting, hr):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import client_for

    for url in (f"/sittings/{sitting.pk}/roster/", "/bank/import/"):
        response = client_for(hr).post(url, {"file": SimpleUploadedFile("空.xlsx", b"")})
        assert response.status_code == 400
        assert "文件是空的" in response.content.decode()


def test_downloads_keep_their_chinese_names(hr):
    from tests.conftest import client_for

    response = client_for(hr).get("/bank/template.xlsx")
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E9%A2%98%E5%BA%93%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    )


LAUGHS = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'


@pytest.mark.parametrize(
    ("part", "xml"),
    [
        (
            SHEET,
            f'<?xml version="1.0"?>{LAUGHS}<worksheet {NS}><sheetData><row r="1">{inline("A1", "&lol2;")}</row></sheetData></worksheet>',
        ),
        (SHEET, f'<?xml version="1.0"?><!-- {"x" * 6000} <a -->{LAUGHS}<worksheet {NS}><sheetData/></worksheet>'),
        (
            "xl/sharedStrings.xml",
            f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><sst {NS}><si><t>&xxe;</t></si></sst>',
        ),
    ],
    ids=["billion-laughs", "doctype-after-a-long-comment", "external-entity"],
)
def test_a_document_type_declaration_anywhere_in_the_prolog_is_refused(sitting, hr, part, xml):
    content = with_sheet(sheet(row_xml(1, HEADER)), replace={part: xml}) if part != SHEET else with_sheet(xml)
    report = roster_import(sitting=sitting, content=content, by=hr)
    assert errors_of(report) == [(None, "", f"文件中含有文档类型定义（DTD），出于安全原因不予读取（{part}）")]
