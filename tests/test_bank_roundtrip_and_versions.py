"""Export → import gives the same items; editing a used item keeps the old version for its papers."""

import io
import zipfile

import pytest
from openpyxl import load_workbook

from question_bank.models import Item, ItemVersion
from question_bank.selectors import ItemFilters, current_versions, item_list
from question_bank.services.excel import bank_export, bank_import
from question_bank.services.items import item_versions_mark_used, knowledge_points_load
from question_bank.validation import COLUMNS, item_cells
from tests.bank_helpers import make_item, multiple, single, situational
from tests.conftest import client_for


@pytest.fixture
def bank(standard):
    knowledge_points_load()


def snapshot() -> list[dict]:
    return sorted(
        (item_cells(version) for version in current_versions(items=item_list(filters=ItemFilters()))),
        key=lambda cells: cells["题干"],
    )


def test_export_then_import_gives_the_same_items(bank, hr):
    make_item(single(选项A="=1+1 不是公式", 选项D="-5 元的优惠"))
    make_item(multiple(选项E="@所有人 的通知", 答案="ACE"))
    make_item(situational())
    before = snapshot()
    exported = bank_export(versions=current_versions(items=Item.objects.all()))

    Item.objects.update(current=None)
    ItemVersion.objects.all().delete()
    Item.objects.all().delete()
    report = bank_import(content=exported, by=hr)

    assert [(e.row, e.column, e.message) for e in report.errors] == []
    assert report.created == 3
    assert snapshot() == before


def test_exported_text_that_looks_like_a_formula_is_written_as_text(bank):
    make_item(single(选项A="=1+1 不是公式", 选项B="+86 电话", 选项C="-5 元", 选项D="@提醒"))
    exported = bank_export(versions=current_versions(items=Item.objects.all()))

    sheet = load_workbook(io.BytesIO(exported))["题目"]
    header = [cell.value for cell in sheet[1]]
    assert header == COLUMNS
    for column in ("选项A", "选项B", "选项C", "选项D"):
        cell = sheet.cell(row=2, column=COLUMNS.index(column) + 1)
        assert cell.data_type == "s"
        assert cell.quotePrefix
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_the_template_has_the_columns_and_an_instructions_sheet(bank, hr):
    response = client_for(hr).get("/bank/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["题目", "填写说明", "填写示例", "知识点"]
    assert [cell.value for cell in workbook["题目"][1]] == COLUMNS
    assert workbook["题目"].max_row == 1
    assert workbook["知识点"]["A2"].value == "1.1 营业厅定位"
    # The examples sheet is itself a valid import.
    examples = io.BytesIO()
    workbook.move_sheet("填写示例", offset=-1)
    del workbook["题目"]
    workbook["填写示例"].title = "题目"
    workbook.save(examples)
    assert bank_import(content=examples.getvalue(), by=hr).created == 3


def test_editing_an_unused_item_changes_it_in_place(bank, hr):
    item = make_item(single())
    response = client_for(hr).put(
        f"/api/bank/items/{item.pk}/", {"cells": single(难度="3")}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert ItemVersion.objects.get().difficulty == 3


def test_editing_a_used_item_writes_a_new_version_and_keeps_the_old_one(bank, hr):
    item = make_item(single())
    shown = item.current
    item_versions_mark_used(version_ids=[shown.pk])

    response = client_for(hr).put(
        f"/api/bank/items/{item.pk}/",
        {"cells": single(题干="客户进入营业厅时，营业员首先应当怎样做？", 答案="B")},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2

    shown.refresh_from_db()
    assert shown.stem == "客户进厅时营业员首先应当怎样做？"
    assert shown.number == 1 and shown.first_used_at is not None
    item.refresh_from_db()
    assert item.current.number == 2
    assert item.current.stem == "客户进入营业厅时，营业员首先应当怎样做？"
    assert item.current.first_used_at is None


def test_the_edit_page_says_a_new_version_was_written(bank, hr):
    item = make_item(single())
    item_versions_mark_used(version_ids=[item.current_id])
    data = {
        "type": "单选",
        "level": "营业五级",
        "knowledge_point": "4.1 沟通技巧",
        "difficulty": "2",
        "stem": "客户进厅时，营业员首先应当怎样做？",
        "option_a": "继续处理手头工作",
        "option_b": "起身微笑问候客户",
        "option_c": "请客户自行取号",
        "answer": "B",
        "explanation": "接待客户应主动问候。",
        "status": "active",
    }
    response = client_for(hr).post(f"/bank/items/{item.pk}/edit/", data, follow=True)
    assert "该题已被试卷使用，已保存为第 2 版；试卷仍保留原来的版本。" in response.content.decode()
    assert item.versions.count() == 2


def test_the_form_shows_the_importers_errors_on_the_right_fields(bank, hr):
    data = {
        "type": "多选",
        "level": "营业四级",
        "knowledge_point": "4.2 主动营销",
        "difficulty": "3",
        "stem": "",
        "option_a": "甲",
        "option_b": "乙",
        "option_c": "丙",
        "answer": "A",
        "explanation": "",
        "status": "active",
    }
    response = client_for(hr).post("/bank/items/new/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "题干不能为空" in page
    assert "多选题至少要有两个答案，填写了 A" in page
    assert "解析不能为空：请写明依据" in page
    assert Item.objects.count() == 0


def test_a_duplicate_stem_is_refused_by_the_form(bank, hr):
    item = make_item(single())
    data = {
        "type": "单选",
        "level": "营业五级",
        "knowledge_point": "4.1 沟通技巧",
        "difficulty": "2",
        "stem": "客户进厅时, 营业员首先应当怎样做",
        "option_a": "甲",
        "option_b": "乙",
        "answer": "A",
        "explanation": "依据。",
        "status": "active",
    }
    page = client_for(hr).post("/bank/items/new/", data).content.decode()
    assert f"与题库中的第 {item.pk} 题题干相同" in page


def test_the_item_page_shows_the_candidates_view_key_and_history(bank, hr):
    item = make_item(situational())
    page = client_for(hr).get(f"/bank/items/{item.pk}/").content.decode()
    assert "考生看到的题目" in page
    assert "客户称话费余额无故过期被清零" in page
    assert "安抚客户情绪并致歉" in page
    assert "001 投诉处理" in page
    assert "第 1 版" in page
