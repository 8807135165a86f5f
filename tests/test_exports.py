"""HR's Excel exports: each workbook opened with openpyxl and compared with the database cell by
cell on a small sitting; the title row, frozen header, autofilter and cell types; masking for a
user without the permission; formula-looking text kept as text; the download rights; progress."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from certify.validators import mask_id_number
from exams.planning.models import Enrollment, RoomEvent
from exams.practical.models import Passage, TypingAttempt
from exams.written.models import Attempt
from grading.exports import sources
from grading.exports.models import ExportJob, ExportKind, ExportStatus
from grading.exports.services import export_purge, export_request, export_run
from grading.exports.workbook import Column, Sheet, local_naive, workbook_write
from grading.marking.models import Script
from grading.results.services import result_rescore
from grading.scoring.objective import letter_index
from tests.conftest import client_for
from tests.exam_helpers import synthetic_bank
from tests.export_helpers import (
    admin_without_personal_data,
    download,
    publish_results,
    run_export,
    sat_with_events,
    table,
)
from tests.marking_helpers import first_item, mark, sat_sitting, team

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def exports_dir(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"


def _layout(sheet, *, headers: list[str], rows: int) -> None:
    """The layout every export sheet has."""
    assert [cell.value for cell in sheet[2]] == headers
    assert sheet.freeze_panes == "A3"
    last = sheet.cell(row=2, column=len(headers)).column_letter
    assert sheet.auto_filter.ref == f"A2:{last}{2 + max(rows, 1)}"
    for index in range(1, len(headers) + 1):
        letter = sheet.cell(row=2, column=index).column_letter
        assert sheet.column_dimensions[letter].width >= 2 * len(headers[index - 1])
    # Printed: landscape A4, one page wide, the title and header rows on every page.
    setup = sheet.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$2"


def expected_result_row(result, certified) -> list:
    """A results row as the database holds it (HR may see personal data)."""
    c = result.candidate
    scores = (
        result.objective,
        result.situational,
        result.written,
        result.typing,
        result.business,
        result.scene,
        result.practical,
    )
    return [
        c.employee_no,
        c.name,
        c.id_number,
        c.hall.branch.name,
        c.hall.name,
        "营业五级",
        result.enrollment.admission_no,
        *[None if value is None else float(value) for value in scores],
        result.get_outcome_display(),
        certified.certificates.get().number if result.pk == certified.pk else None,
    ]


def test_the_sitting_results_export_matches_the_database_cell_by_cell(org, hr):
    sitting = sat_with_events(org)
    results = publish_results(sitting)
    job = run_export(client_for(hr), kind="sitting_results", sitting=sitting.pk)
    assert job.status == ExportStatus.DONE and job.done == job.total == 3
    workbook, _ = download(client_for(hr), job)
    sheet = workbook["成绩"]
    title = sheet["A1"].value
    assert "批次成绩" in title and sitting.name in title and "导出人：周敏" in title
    assert f"考试批次：{sitting.code} {sitting.name}" in title and "级别：营业五级" in title
    headers = "工号 姓名 身份证号 分公司 营业厅 级别 准考证号 客观题 情景分析 笔试成绩 文字阅录 业务受理 情景模拟 实操成绩 结果 证书编号"
    _layout(sheet, headers=headers.split(), rows=3)
    expected = [expected_result_row(result, results[0]) for result in results]
    assert table(sheet) == expected
    assert [row[14] for row in expected] == ["合格", "不合格", "缺考"]
    # Numbers are numbers, codes are text.
    assert sheet["H3"].data_type == "n" and sheet["G3"].data_type == "s" and sheet["C3"].data_type == "s"


def test_an_admin_without_the_permission_gets_masked_id_numbers(org, hr):
    sitting = sat_with_events(org)
    results = publish_results(sitting)
    other = admin_without_personal_data(org)
    job = run_export(client_for(other), kind="sitting_results", sitting=sitting.pk)
    assert not job.show_personal_data
    workbook, content = download(client_for(other), job)
    ids = [row[2] for row in table(workbook["成绩"])]
    assert ids == [mask_id_number(r.candidate.id_number) for r in results]
    assert all("*" * 11 in value for value in ids)
    for result in results:
        assert result.candidate.id_number.encode() not in content
    # The certificate register masks too.
    job = run_export(client_for(other), kind="certificates")
    workbook, content = download(client_for(other), job)
    assert table(workbook["证书"])[0][3] == mask_id_number(results[0].candidate.id_number)


def test_the_certificate_register_lists_certificates_and_filters_those_expiring(org, hr):
    sitting = sat_with_events(org)
    results = publish_results(sitting)
    certificate = results[0].certificates.get()
    job = run_export(client_for(hr), kind="certificates", expiring_days="30")
    workbook, _ = download(client_for(hr), job)
    sheet = workbook["证书"]
    assert "筛选条件：有效期：30 天内到期" in sheet["A1"].value
    headers = [
        "证书编号",
        "工号",
        "姓名",
        "身份证号",
        "分公司",
        "营业厅",
        "级别",
        "发证日期",
        "有效期至",
        "状态",
        "撤销原因",
    ]
    _layout(sheet, headers=headers, rows=1)
    c = certificate.candidate
    row = table(sheet)[0]
    assert row[:7] == [
        certificate.number,
        c.employee_no,
        c.name,
        c.id_number,
        c.hall.branch.name,
        c.hall.name,
        "营业五级",
    ]
    assert row[7].date() == certificate.issued_on and row[8].date() == certificate.valid_until
    assert row[9:] == ["有效", None]
    assert sheet["H3"].is_date and sheet["H3"].number_format == "yyyy-mm-dd"
    job = run_export(client_for(hr), kind="certificates", expiring_days="10")
    workbook, _ = download(client_for(hr), job)
    assert table(workbook["证书"]) == [["没有符合条件的证书"] + [None] * 10]
    # Once past its date the certificate is listed as expired (derived, never stored) and is no
    # longer among those expiring.
    today = timezone.localdate()
    type(certificate).objects.filter(pk=certificate.pk).update(
        issued_on=today - timedelta(days=400), valid_until=today - timedelta(days=1)
    )
    job = run_export(client_for(hr), kind="certificates")
    workbook, _ = download(client_for(hr), job)
    assert [row[0] for row in table(workbook["证书"])] == [certificate.number]
    assert table(workbook["证书"])[0][9] == "已过期"
    job = run_export(client_for(hr), kind="certificates", expiring_days="30")
    workbook, _ = download(client_for(hr), job)
    assert table(workbook["证书"]) == [["没有符合条件的证书"] + [None] * 10]


def test_results_across_sittings_are_filtered_by_branch_and_date(org, hr):
    sitting = sat_with_events(org)
    results = publish_results(sitting)
    day = timezone.localdate(sitting.written_start).isoformat()
    job = run_export(client_for(hr), kind="results", branch=org.east.pk, date_from=day, date_to=day, level="5")
    workbook, _ = download(client_for(hr), job)
    sheet = workbook["成绩"]
    assert "分公司：城东分公司" in sheet["A1"].value and f"考试日期自：{day}" in sheet["A1"].value
    rows = table(sheet)
    east = [r for r in results if r.candidate.hall.branch_id == org.east.pk]
    assert [row[2] for row in rows] == [r.candidate.employee_no for r in east]
    assert all(row[0] == sitting.name for row in rows)
    assert all(
        row[1] == local_naive(sitting.written_start).replace(hour=0, minute=0, second=0, microsecond=0) for row in rows
    )


def test_a_bad_filter_is_refused_with_a_message_naming_it_and_nothing_is_queued(org, hr):
    client = client_for(hr)
    response = client.post("/exports/", {"kind": "results", "date_from": "2026-13-01"}, follow=True)
    assert "「考试日期自」应为日期，例如 2026-11-30" in response.content.decode()
    response = client.post(
        "/api/exports/", {"kind": "certificates", "expiring_days": 0}, content_type="application/json"
    )
    assert response.status_code == 400 and "到期天数" in response.json()["detail"]
    assert not ExportJob.objects.exists()


def test_the_exam_day_log_matches_the_database_cell_by_cell(org, hr):
    sitting = sat_with_events(org)
    # One candidate's typing test left the page twice and tried to paste three times.
    typist = Enrollment.objects.filter(sitting=sitting).order_by("admission_no").last()
    passage = Passage.objects.create(code="P-EXP", level=5, title="文本", text="正文", source="测试")
    now = timezone.now()
    TypingAttempt.objects.create(
        enrollment=typist,
        passage=passage,
        started_at=now - timedelta(minutes=10),
        deadline=now,
        focus_losses=2,
        pastes=3,
    )
    job = run_export(client_for(hr), kind="exam_day_log", sitting=sitting.pk)
    workbook, _ = download(client_for(hr), job)
    sheet = workbook["考场日志"]
    _layout(sheet, headers=["时间", "考场", "准考证号", "姓名", "操作", "内容", "原因", "操作人"], rows=2)
    events = list(RoomEvent.objects.filter(room__sitting=sitting).order_by("at", "pk").select_related("room", "actor"))
    assert table(sheet) == [
        [
            local_naive(e.at).replace(microsecond=0),
            e.room.name,
            None,
            None,
            e.get_action_display(),
            e.detail or None,
            e.reason,
            e.actor.full_name,
        ]
        for e in events
    ]
    assert [row[4] for row in table(sheet)] == ["暂停考场", "恢复考场"]
    assert sheet["A3"].is_date and sheet["A3"].number_format == "yyyy-mm-dd hh:mm:ss"
    focus = workbook["离开页面与粘贴"]
    enrollments = (
        Enrollment.objects.filter(sitting=sitting).order_by("admission_no").select_related("candidate__hall", "attempt")
    )
    assert table(focus) == [
        [
            e.admission_no,
            e.candidate.name,
            e.candidate.hall.name,
            "A101",
            1,
            0,
            *((2, 3) if e == typist else (None, None)),
        ]
        for e in enrollments
    ]


def test_the_candidate_details_show_every_item_with_the_answer_the_key_and_the_points(org, hr):
    sitting = sat_with_events(org)
    enrollment = Enrollment.objects.filter(sitting=sitting).order_by("pk")[1]
    attempt = Attempt.objects.get(enrollment=enrollment)
    job = run_export(client_for(hr), kind="candidate_details", admission_no=enrollment.admission_no)
    workbook, _ = download(client_for(hr), job)
    assert "身份证号：" + enrollment.candidate.id_number in workbook["笔试作答"]["A1"].value
    rows = table(workbook["笔试作答"])
    items = list(attempt.paper.items.select_related("item_version").order_by("position"))
    assert [row[0] for row in rows] == [i.position for i in items]
    assert [row[3] for row in rows] == [i.points for i in items]
    assert [row[6] for row in rows] == [i.item_version.answer or None for i in items]
    answered = [row for row in rows if row[4]]
    assert len(answered) == 1 and answered[0][4] == "A"
    item = items[answered[0][0] - 1]
    assert answered[0][5] == "ABCDEFGH"[item.option_order[letter_index("A")]]
    objective = sum(row[7] for row in rows if row[1] != "情景分析")
    assert objective == float(attempt.objective_score)
    # Every situational item: a script, marked 0 by the system (the answers were empty).
    marking = table(workbook["阅卷记录"])
    assert marking == [
        [
            s.position,
            s.code,
            "最终得分（空白作答，系统记 0 分）",
            None,
            0,
            local_naive(s.final_at).replace(microsecond=0),
            None,
        ]
        for s in Script.objects.filter(attempt=attempt).order_by("position")
    ]


def test_the_candidate_details_list_every_mark_and_the_final_score(org, hr):
    synthetic_bank()
    sitting = sat_sitting(org, candidates=2)
    (first, second), _ = team(sitting, "m1", "m2")
    item = first_item(sitting)
    task_one = mark(first, item, 6)
    task_two = mark(second, item, 7)
    script = task_one.script
    script.refresh_from_db()
    assert task_two.script_id == script.pk and script.final_mark == 6.5
    job = run_export(client_for(hr), kind="candidate_details", admission_no=script.attempt.enrollment.admission_no)
    workbook, _ = download(client_for(hr), job)
    rows = [row for row in table(workbook["阅卷记录"]) if row[1] == script.code]
    assert [row[2:5] for row in rows] == [
        ["第 1 评", "阅卷员m1", 6],
        ["第 2 评", "阅卷员m2", 7],
        [f"最终得分（{script.get_rule_display()}）", None, 6.5],
    ]
    assert table(workbook["成绩更正"]) == [["没有成绩更正记录"] + [None] * 7]


def test_the_candidate_details_list_every_re_score(org, hr):
    sitting = sat_with_events(org)
    result = publish_results(sitting)[1]
    rescore = result_rescore(result=result, part="typing", new=Decimal("85"), reason="=复核后更正", by=hr)
    job = run_export(client_for(hr), kind="candidate_details", admission_no=result.enrollment.admission_no)
    workbook, _ = download(client_for(hr), job)
    assert table(workbook["成绩更正"]) == [
        [
            "文字阅录",
            80,
            85,
            "=复核后更正",
            "周敏",
            local_naive(rescore.at).replace(microsecond=0),
            result.get_outcome_display(),
            rescore.get_outcome_after_display(),
        ]
    ]
    assert workbook["成绩更正"]["D3"].data_type == "s"


def test_formula_looking_text_stays_text_in_the_real_file(tmp_path):
    hostile = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0", "普通文字"]
    path = tmp_path / "f.xlsx"
    workbook_write(
        path,
        title="测试",
        by='=HYPERLINK("http://x")',
        at=timezone.now(),
        filters=[("筛选", "-2+3")],
        sheets=[
            Sheet("表", [Column("文字"), Column("数字", "number")], [(text, text) for text in hostile], len(hostile))
        ],
    )
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml  # no formula anywhere in the sheet
    sheet = load_workbook(path)["表"]
    assert sheet["A1"].data_type == "s"
    for row, text in enumerate(hostile, start=3):
        for column in ("A", "B"):
            cell = sheet[f"{column}{row}"]
            assert cell.value == text and cell.data_type == "s"
            if text != "普通文字":
                assert cell.quotePrefix  # Excel and WPS show it as text, never evaluate it
    assert re.search(r'quotePrefix="1"', load_workbook_styles(path))


def test_an_empty_text_is_written_as_a_blank_cell_not_an_empty_string(tmp_path):
    # LibreOffice showed it: an empty string is a cell that counts as filled in (COUNTA, ISBLANK).
    path = tmp_path / "e.xlsx"
    workbook_write(
        path,
        title="测试",
        by="周敏",
        at=timezone.now(),
        filters=[],
        sheets=[Sheet("表", [Column("文字"), Column("数字", "number"), Column("日期", "date")], [("", "", "")], 1)],
    )
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert 'r="A3"' not in xml and 'r="B3"' not in xml and 'r="C3"' not in xml


def load_workbook_styles(path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/styles.xml").decode()


def test_a_room_event_reason_that_looks_like_a_formula_is_exported_as_text(org, hr):
    sitting = sat_with_events(org, reason='=HYPERLINK("http://evil","点我")')
    job = run_export(client_for(hr), kind="exam_day_log", sitting=sitting.pk)
    _, content = download(client_for(hr), job)
    sheet = load_workbook(io.BytesIO(content))["考场日志"]
    assert sheet["G3"].value == '=HYPERLINK("http://evil","点我")' and sheet["G3"].data_type == "s"


def test_only_the_requester_and_admins_may_download_an_export(org, hr, examiner, chief):
    sitting = sat_with_events(org)
    job = run_export(client_for(hr), kind="exam_day_log", sitting=sitting.pk)
    for user in (examiner, chief):
        assert client_for(user).get(f"/exports/{job.pk}/file/").status_code == 403
        assert client_for(user).get(f"/exports/{job.pk}/").status_code == 403
        response = client_for(user).get(f"/api/exports/{job.pk}/file/")
        assert response.status_code == 403 and response.json()["detail"] == "只有导出人和认证管理员可以下载此文件"
    other_admin = admin_without_personal_data(org)
    assert client_for(other_admin).get(f"/exports/{job.pk}/file/").status_code == 200
    # Examiners may not ask for exports at all.
    response = client_for(examiner).post("/api/exports/", {"kind": "exam_day_log", "sitting": sitting.pk})
    assert response.status_code == 403


def test_progress_is_saved_while_the_rows_are_written_and_shown_by_the_api(org, hr, monkeypatch):
    sitting = sat_with_events(org)
    monkeypatch.setattr("grading.exports.workbook.PROGRESS_EVERY", 2)
    seen = []

    def slow_log(job):
        export = sources.exam_day_log(job)

        def rows():
            for number in range(7):
                seen.append(ExportJob.objects.values_list("done", "total", "status").get(pk=job.pk))
                yield (timezone.now(), "A101", "", "", "暂停考场", "", f"第 {number} 行", "")

        export.sheets = [Sheet("日志", export.sheets[0].columns, rows(), 7)]
        return export

    monkeypatch.setitem(sources.SOURCES, ExportKind.EXAM_DAY_LOG, slow_log)
    job = export_request(kind="exam_day_log", params={"sitting": sitting.pk}, by=hr)
    body = client_for(hr).get(f"/api/exports/{job.pk}/").json()
    assert (body["status"], body["done"], body["download_url"]) == ("queued", 0, None)
    export_run(job_id=job.pk)
    assert seen == [
        (0, 7, "running"),
        (0, 7, "running"),
        (2, 7, "running"),
        (2, 7, "running"),
        (4, 7, "running"),
        (4, 7, "running"),
        (6, 7, "running"),
    ]
    body = client_for(hr).get(f"/api/exports/{job.pk}/").json()
    assert (body["status"], body["done"], body["total"]) == ("done", 7, 7)
    assert body["download_url"] == f"/api/exports/{job.pk}/file/"
    page = client_for(hr).get(f"/exports/{job.pk}/").content.decode()
    assert "7 / 7" in page and "下载 考试日志-" in page


def test_an_export_is_deleted_after_its_retention_and_then_says_so(org, hr, settings):
    settings.EXPORT_RETENTION_DAYS = 2
    sitting = sat_with_events(org)
    job = run_export(client_for(hr), kind="exam_day_log", sitting=sitting.pk)
    assert job.expires_at - job.finished_at == timedelta(days=2)
    assert export_purge(now=job.finished_at + timedelta(days=1)) == 0
    assert export_purge(now=job.finished_at + timedelta(days=2, seconds=1)) == 1
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED
    response = client_for(hr).get(f"/api/exports/{job.pk}/file/")
    assert response.status_code == 409 and "超过保留期限（2 天）" in response.json()["detail"]
