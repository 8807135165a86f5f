"""HR's workbooks opened by a real spreadsheet program: LibreOffice Calc, headless.

Every kind of export (a sitting's results, results across sittings, the certificate register, one
candidate's details, the statistics tables, the exam-day log) is written by the real export code
on a small sitting whose reasons and comments look like formulas, plus a sheet of every
formula-looking start written by the same writer. LibreOffice converts them all: back to .xlsx
(read again with openpyxl: every cell must come back with the value and the type we wrote, so
numbers are numbers, dates are dates, Chinese is intact and no text became a formula) and to CSV
as shown on screen (dates in their format, formula-looking text quoted as text, never a result).
A 200-row results sheet is printed to PDF: landscape pages, every column on each, with the title
and header rows repeated (read back with pdftotext). No conversion may report an error.

Skipped when LibreOffice is not installed: CI does not install it (too large and slow); on a
Debian machine ``apt-get install libreoffice-calc`` and run this file.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from exams.planning.models import Enrollment, Room
from exams.written.console import room_pause, room_resume
from grading.certificates.services import certificate_revoke
from grading.exports.models import ExportStatus
from grading.exports.services import export_path
from grading.exports.sources import RESULT_COLUMNS
from grading.exports.workbook import Column, Sheet, workbook_write
from grading.results.services import result_rescore
from tests.conftest import client_for
from tests.export_helpers import publish_results, run_export, sat_with_events

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        SOFFICE is None,
        reason="LibreOffice is not installed (CI does not install it; apt-get install libreoffice-calc to run this)",
    ),
]

# Every start Excel, WPS or LibreOffice could read as a formula (certify.excel.FORMULA_STARTS).
FORMULA_LOOKING = ["=1+1", "+8613800138000", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0"]
# The room-event reasons the sitting is given (the exam-day log's 原因 column).
LOGGED = ["+8613800138000", "-1", "@SUM(A1)", "=1+1"]
# CSV as LibreOffice shows the sheet: UTF-8, every text cell quoted, every sheet (-1) to its own file.
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true,false,true,false,false,-1"


@pytest.fixture(autouse=True)
def exports_dir(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"


def libreoffice(files: list[Path], *, to: str, folder: Path, profile: Path) -> str:
    """Convert ``files`` with a headless LibreOffice of its own profile; its console output."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            to,
            "--outdir",
            str(folder),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # No "Error: source file could not be loaded", no repair or general input/output error.
    assert "rror" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done.stdout


def workbooks(org, hr, tmp_path) -> dict[str, Path]:
    """One file of each kind, written by the real export jobs (and one by the writer itself)."""
    sitting = sat_with_events(org, reason="=1+1")
    room = Room.objects.get(sitting=sitting, kind="written")
    invigilator = room.assignments.first().examiner
    now = timezone.now()
    # More room events whose reasons look like formulas (the log's 原因 column).
    for minutes, reason in zip((50, 40, 30), LOGGED[:3], strict=True):
        room_pause(room=room, by=invigilator, reason=reason, now=now - timedelta(minutes=minutes))
        room_resume(room=room, by=invigilator, reason="恢复考试", now=now - timedelta(minutes=minutes - 1))
    results = publish_results(sitting)
    result_rescore(result=results[1], part="typing", new=Decimal("85.5"), reason="-5 分：复核后更正", by=hr)
    certificate_revoke(certificate=results[0].certificates.get(), by=hr, reason='=HYPERLINK("http://x","点我")')
    client = client_for(hr)
    second = Enrollment.objects.filter(sitting=sitting).order_by("admission_no")[1]
    jobs = {
        "sitting_results": run_export(client, kind="sitting_results", sitting=sitting.pk),
        "results": run_export(client, kind="results", level="5"),
        "certificates": run_export(client, kind="certificates"),
        "candidate_details": run_export(client, kind="candidate_details", admission_no=second.admission_no),
        "statistics": run_export(client, kind="statistics", sitting=sitting.pk),
        "exam_day_log": run_export(client, kind="exam_day_log", sitting=sitting.pk),
    }
    files = {}
    for kind, job in jobs.items():
        assert job.status == ExportStatus.DONE, job.error
        files[kind] = tmp_path / f"{kind}.xlsx"
        shutil.copyfile(export_path(job), files[kind])
    files["formula_looking"] = tmp_path / "formula_looking.xlsx"
    workbook_write(
        files["formula_looking"],
        title="公式样文字",
        by="周敏",
        at=now,
        filters=[("筛选", "=2+3")],
        sheets=[
            Sheet(
                "文字",
                [Column("文字"), Column("数字列中的文字", "number"), Column("日期", "datetime", 19)],
                [(text, text, now) for text in FORMULA_LOOKING],
                len(FORMULA_LOOKING),
            )
        ],
    )
    return files


def cells(path: Path) -> dict[str, list[list[tuple]]]:
    """Every sheet's cells as (value, type), the type being openpyxl's: n, s, d (a date) or f (a formula)."""
    workbook = load_workbook(path)
    return {
        sheet.title: [
            [(cell.value, "d" if cell.is_date else cell.data_type) for cell in row] for row in sheet.iter_rows()
        ]
        for sheet in workbook.worksheets
    }


def without_trailing_blanks(table: list[list[tuple]]) -> list[list[tuple]]:
    trimmed = []
    for row in table:
        row = list(row)
        while row and row[-1][0] is None:
            row.pop()
        trimmed.append(row)
    return trimmed


def test_libreoffice_reads_every_export_as_written(org, hr, tmp_path):
    files = workbooks(org, hr, tmp_path)
    profile = tmp_path / "libreoffice-profile"
    back = tmp_path / "back"
    libreoffice(list(files.values()), to="xlsx", folder=back, profile=profile)

    for kind, path in files.items():
        ours, theirs = cells(path), cells(back / path.name)
        assert list(theirs) == list(ours), f"{kind}: the sheet names"
        for name in ours:
            assert without_trailing_blanks(theirs[name]) == without_trailing_blanks(ours[name]), f"{kind}: {name}"
        for name, table in theirs.items():
            assert all(type_ != "f" for row in table for _, type_ in row), f"{kind}: {name} holds a formula"

    # What that means, in a few cells HR looks at.
    first = Enrollment.objects.order_by("admission_no").select_related("candidate")[0]
    results = load_workbook(back / "sitting_results.xlsx")["成绩"]
    assert results["A2"].value == "工号" and results["B3"].value == first.candidate.name
    assert (results["C3"].value, results["C3"].data_type) == (first.candidate.id_number, "s")  # all 18 characters
    assert (results["G3"].value, results["G3"].data_type) == (first.admission_no, "s")  # a code, not a number
    assert isinstance(results["H3"].value, (int, float)) and results["N3"].value == 72.15
    log = load_workbook(back / "exam_day_log.xlsx")["考场日志"]
    # LibreOffice writes the same format back with its characters escaped: yyyy\-mm\-dd\ hh:mm:ss.
    assert isinstance(log["A3"].value, datetime) and log["A3"].number_format.replace("\\", "") == "yyyy-mm-dd hh:mm:ss"
    reasons = {log[f"G{row}"].value: log[f"G{row}"].data_type for row in range(3, 11)}
    assert {text: reasons.get(text) for text in LOGGED} == dict.fromkeys(LOGGED, "s")
    register = load_workbook(back / "certificates.xlsx")["证书"]
    assert isinstance(register["H3"].value, datetime) and register["H3"].number_format.replace("\\", "") == "yyyy-mm-dd"
    assert register["K3"].value == '=HYPERLINK("http://x","点我")' and register["K3"].data_type == "s"


def test_libreoffice_shows_dates_in_their_format_and_formula_looking_text_as_text(org, hr, tmp_path):
    files = workbooks(org, hr, tmp_path)
    shown = tmp_path / "csv"
    output = libreoffice(list(files.values()), to=CSV_FILTER, folder=shown, profile=tmp_path / "libreoffice-profile")
    assert output.count("->") == sum(len(load_workbook(path).sheetnames) for path in files.values())

    def rows(name: str) -> list[list[str]]:
        with open(shown / name, newline="", encoding="utf-8") as handle:
            return list(csv.reader(handle))

    def raw(name: str) -> list[str]:
        # The quotes themselves: LibreOffice quotes text cells, never numbers or dates.
        return (shown / name).read_text(encoding="utf-8").splitlines()

    log = rows("exam_day_log-考场日志.csv")
    assert log[1][:3] == ["时间", "考场", "准考证号"]
    at = datetime.strptime(log[2][0], "%Y-%m-%d %H:%M:%S")  # shown as written, Asia/Shanghai wall time
    assert abs(at - timezone.localtime().replace(tzinfo=None)) < timedelta(hours=2)
    assert set(LOGGED) <= {row[6] for row in log[2:]}
    for line in raw("exam_day_log-考场日志.csv")[2:]:
        assert any(f',"{text}",' in line for text in [*LOGGED, "恢复考试", "来电，恢复考试"])  # quoted: text
    assert raw("exam_day_log-考场日志.csv")[2].startswith(log[2][0] + ",")  # a date: not quoted
    results = rows("sitting_results-成绩.csv")
    assert results[1][-2:] == ["结果", "证书编号"] and results[2][14] == "合格"
    assert results[2][13] == "72.15"
    assert f'"{results[2][6]}"' in raw("sitting_results-成绩.csv")[2]  # 准考证号: text
    assert f",{results[2][13]}," in raw("sitting_results-成绩.csv")[2]  # a score: a number
    register = rows("certificates-证书.csv")
    assert date.fromisoformat(register[2][7]) == timezone.localdate()
    assert register[2][10] == '=HYPERLINK("http://x","点我")'
    formula_looking = rows("formula_looking-文字.csv")
    assert [row[0] for row in formula_looking[2:]] == FORMULA_LOOKING
    assert [row[1] for row in formula_looking[2:]] == [row[0] for row in formula_looking[2:]]
    assert formula_looking[0][0].startswith("公式样文字") and "筛选：=2+3" in formula_looking[0][0]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_a_printed_results_workbook_has_every_column_on_landscape_pages_with_the_header_on_each(tmp_path):
    # The results sheet's real columns and widths, 200 candidates: several pages when printed.
    rows = [
        [
            *(f"C{n:05d}", f"考生{n}", f"33010219810202{n:04d}", "城西分公司", "文三路营业厅", "营业五级"),
            *(f"26001{n:05d}", 12.5, 12.5, 72.5, 80, 70.5, 66, 72.15, "合格", f"2026-5-{n:06d}"),
        ]
        for n in range(200)
    ]
    path = tmp_path / "results.xlsx"
    workbook_write(
        path,
        title="批次成绩",
        by="周敏",
        at=timezone.now(),
        filters=[],
        sheets=[Sheet("成绩", RESULT_COLUMNS, rows, 200)],
    )
    libreoffice([path], to="pdf", folder=tmp_path, profile=tmp_path / "libreoffice-profile")
    pdf = tmp_path / "results.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "841.89 x 595.3" in info  # A4 landscape
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    pages = [page for page in pages.stdout.split("\f") if page.strip()]
    assert len(pages) > 1
    for page in pages:
        assert "批次成绩" in page and "工号" in page and "证书编号" in page  # title, first and last header
        data = [line for line in page.splitlines() if "考生" in line]
        assert data and all("文三路营业厅" in line and "2026-5-" in line for line in data)  # whole rows
    assert sum("考生" in line for page in pages for line in page.splitlines()) == 200
