"""The statistics pages and their Excel download: the figures come from the published results,
chief examiners see only the sittings they chair, the admin stores the item analysis."""

from __future__ import annotations

import pytest

from certify.people.models import Role
from certify.people.services import staff_upsert
from exams.planning.models import RoomExaminer
from grading.statistics.selectors import distribution, pass_rates, quadrants
from question_bank.models import ItemStatistics
from tests.conftest import PASSWORD, client_for
from tests.export_helpers import download, publish_results, run_export, sat_with_events, table

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def exports_dir(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"


def test_pass_rates_distributions_and_quadrants_are_counted_from_the_results(org, hr):
    sitting = sat_with_events(org)
    results = publish_results(sitting)  # passed, failed, absent
    from grading.results.models import Result

    rows = Result.objects.filter(sitting=sitting)
    (level,) = pass_rates(rows, "level")
    assert (level.label, level.total, level.absent, level.sat, level.passed, level.rate) == (
        "营业五级",
        3,
        1,
        2,
        1,
        50.0,
    )
    by_hall = {row.label: (row.total, row.passed) for row in pass_rates(rows, "hall")}
    expected: dict[str, list[int]] = {}
    for result in results:
        counts = expected.setdefault(result.candidate.hall.name, [0, 0])
        counts[0] += 1
        counts[1] += result.outcome == "passed"
    assert by_hall == {hall: tuple(counts) for hall, counts in expected.items()}
    written = distribution(rows, "written")
    assert sum(written) == 3
    for result in results:
        assert written[min(int(result.written // 10), 9)] >= 1
    # Every band exactly: a result counted in a neighbouring band would still pass the checks above.
    bands = [0] * 10
    for result in results:
        bands[min(int(result.written // 10), 9)] += 1
    assert written == bands
    assert sum(distribution(rows, "practical")) == 2  # the absent candidate has no practical score
    assert distribution(rows, "practical") == [0] * 7 + [2, 0, 0]  # 72.15 twice, in 70–79
    assert quadrants(rows) == {
        "both_passed": 1,
        "written_failed": 1,
        "practical_failed": 0,
        "both_failed": 0,
    }


def test_the_sitting_page_shows_each_chart_with_its_table(org, hr):
    sitting = sat_with_events(org)
    publish_results(sitting)
    page = client_for(hr).get(f"/statistics/sittings/{sitting.pk}/").content.decode()
    for chart in ("by_level", "by_sitting", "by_branch", "by_hall", "distribution", "scatter", "halls", "items"):
        assert f'data-chart="{chart}"' in page and f'<script id="{chart}" type="application/json">' in page
    assert 'data-testid="table-by_level"' in page and "营业五级" in page
    assert "样本不足（少于 30 人作答），不计算" in page  # three candidates: no noise shown
    assert "statistics/vendor/chart-4.6.1.umd.min.js" in page
    assert "<script>" not in page  # no inline script (the CSP)


def test_a_chief_examiner_sees_only_the_sittings_they_chair(org, hr):
    sitting = sat_with_events(org)
    publish_results(sitting)
    outsider = staff_upsert(username="chief9", full_name="外场组长", role=Role.CHIEF_EXAMINER, password=PASSWORD)[0]
    assert client_for(outsider).get(f"/statistics/sittings/{sitting.pk}/").status_code == 404
    assert "营业五级" not in client_for(outsider).get("/statistics/").content.decode().split("合格率")[-1]
    chair = RoomExaminer.objects.get(room__sitting=sitting, is_chief=True).examiner
    assert client_for(chair).get(f"/statistics/sittings/{sitting.pk}/").status_code == 200
    # A chief may download the statistics of their sitting, not store the analysis in the bank.
    assert client_for(chair).post(f"/statistics/sittings/{sitting.pk}/").status_code == 403
    job = run_export(client_for(chair), kind="statistics", sitting=sitting.pk)
    workbook, _ = download(client_for(chair), job)
    assert table(workbook["合格率-级别"]) == [["营业五级", 3, 1, 2, 1, 50]]
    response = client_for(outsider).post("/api/exports/", {"kind": "statistics", "sitting": sitting.pk})
    assert response.status_code == 400 and response.json()["detail"] == "请选择考试批次"


def test_the_statistics_workbook_holds_every_table_of_the_page(org, hr):
    sitting = sat_with_events(org)
    results = publish_results(sitting)
    job = run_export(client_for(hr), kind="statistics", sitting=sitting.pk)
    workbook, _ = download(client_for(hr), job)
    assert workbook.sheetnames == [
        "合格率-级别",
        "合格率-分公司",
        "合格率-营业厅",
        "合格率-批次",
        "成绩分布",
        "笔试与实操",
        "各营业厅平均分",
        "试题分析",
        "信度",
        "情景模拟评分一致性",
        "阅卷一致性",
    ]
    assert table(workbook["合格率-批次"]) == [[sitting.name, 3, 1, 2, 1, 50]]
    assert table(workbook["笔试与实操"]) == [
        ["两部分均合格", 1],
        ["笔试不合格、实操合格", 1],
        ["笔试合格、实操不合格", 0],
        ["两部分均不合格", 0],
    ]
    halls = table(workbook["各营业厅平均分"])
    assert sum(row[2] for row in halls) == len(results)
    items = table(workbook["试题分析"])
    assert items and all(row[8] == "样本不足（少于 30 人作答）" for row in items)


def test_the_admin_stores_the_item_analysis_in_the_bank(org, hr):
    sitting = sat_with_events(org)
    response = client_for(hr).post(f"/statistics/sittings/{sitting.pk}/", follow=True)
    assert "已将 0 道题的分析结果写入题库，其中 0 道有问题标记" in response.content.decode()
    assert not ItemStatistics.objects.exists()  # below the minimum nothing is stored
