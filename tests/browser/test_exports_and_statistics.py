"""HR exports a sitting's results and downloads the file; the statistics page draws its charts."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from grading.results.models import Result
from tests.conftest import login
from tests.export_helpers import publish_results, sat_with_events

pytestmark = pytest.mark.browser


@pytest.fixture
def sitting(org, standard):
    sitting = sat_with_events(org)
    publish_results(sitting)
    return sitting


def test_hr_exports_a_sittings_results_and_downloads_the_file(page, live_server, hr, sitting, tmp_path):
    # The job runs in-process here (the sitting's papers are assembled in-process too); the export
    # on a real Celery worker is tests/test_exports_worker.py.
    login(page, live_server, "hr")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="导出").click()
    form = page.get_by_test_id("export-sitting-form")
    form.get_by_label("考试批次").select_option(label=f"{sitting.code} {sitting.name}")
    form.get_by_label("导出内容").select_option(label="批次成绩")
    form.get_by_role("button", name="导出").click()
    expect(page.get_by_test_id("export-status")).to_have_text("已完成", timeout=30_000)
    expect(page.get_by_test_id("export-count")).to_have_text("3 / 3")
    with page.expect_download() as info:
        page.get_by_test_id("export-download").click()
    download = info.value
    assert download.suggested_filename == f"成绩-{sitting.code}.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = load_workbook(path)["成绩"]
    assert "批次成绩" in sheet["A1"].value and "导出人：周敏" in sheet["A1"].value
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    results = list(
        Result.objects.filter(sitting=sitting).order_by("enrollment__admission_no").select_related("candidate")
    )
    assert [(row[0], row[2], row[14]) for row in rows] == [
        (r.candidate.employee_no, r.candidate.id_number, r.get_outcome_display()) for r in results
    ]


def test_the_statistics_page_draws_its_charts_beside_tables_that_match_the_database(page, live_server, hr, sitting):
    login(page, live_server, "hr")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="统计").click()
    page.get_by_role("link", name=f"{sitting.code} {sitting.name}").click()
    for chart, points in (("by_level", 1), ("distribution", 20), ("scatter", 2), ("halls", 14)):
        canvas = page.locator(f'canvas[data-chart="{chart}"]')
        expect(canvas).to_have_attribute("data-rendered", str(points))
        # Chart.js drew something: the canvas holds non-blank pixels.
        drawn = canvas.evaluate(
            "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
            " let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) n++; } return n; }"
        )
        assert drawn > 100, chart
    level = page.get_by_test_id("table-by_level").locator("tbody tr")
    expect(level).to_have_text(["营业五级\t3\t1\t2\t1\t50.0"], use_inner_text=True)
    quadrants = page.get_by_test_id("table-quadrants").locator("tbody tr")
    expect(quadrants).to_have_text(
        ["两部分均合格\t1", "笔试不合格、实操合格\t1", "笔试合格、实操不合格\t0", "两部分均不合格\t0"],
        use_inner_text=True,
    )
    expect(page.get_by_test_id("item-analysis")).to_contain_text("样本不足（少于 30 人作答），不计算")
