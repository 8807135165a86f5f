"""The bank list filters and counts."""

import pytest

from question_bank.services.items import knowledge_points_load
from tests.bank_helpers import make_item, multiple, single, situational
from tests.conftest import client_for


@pytest.fixture
def small_bank(standard):
    knowledge_points_load()
    return {
        "single": make_item(single()),
        "chapter1": make_item(single(题干="营业厅的定位是什么？", 知识点="1.1", 级别="营业四级", 难度="1")),
        "multiple": make_item(multiple()),
        "retired": make_item(situational(), status="retired"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"single", "chapter1", "multiple", "retired"}),
        ("?type=multiple", {"multiple"}),
        ("?level=4", {"chapter1", "multiple"}),
        ("?knowledge_point=1", {"chapter1"}),
        ("?knowledge_point=4.2", {"multiple"}),
        ("?difficulty=1", {"chapter1"}),
        ("?status=retired", {"retired"}),
        ("?q=定位", {"chapter1"}),
        ("?q=余额", {"retired"}),
    ],
)
def test_the_bank_list_filters(small_bank, hr, query, expected):
    page = client_for(hr).get(f"/bank/{query}").content.decode()
    shown = {name for name, item in small_bank.items() if f'href="/bank/items/{item.pk}/"' in page}
    assert shown == expected


def test_the_bank_list_counts_items_per_chapter_and_type(small_bank, hr):
    response = client_for(hr).get("/bank/")
    counts = {row.chapter.code: row.by_type for row in response.context["counts"]}
    assert counts["1"] == {"single": 1, "multiple": 0, "situational": 0}
    assert counts["4"] == {"single": 1, "multiple": 1, "situational": 1}


def test_the_export_follows_the_filters(small_bank, hr):
    import io

    from openpyxl import load_workbook

    response = client_for(hr).get("/bank/export.xlsx?type=multiple")
    sheet = load_workbook(io.BytesIO(response.content))["题目"]
    assert sheet.max_row == 2
    assert sheet["A2"].value == "多选"
