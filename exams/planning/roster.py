"""HR's roster (Excel) into a sitting: all rows or none, every error with its row and column."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from certify.excel import MAX_UPLOAD_BYTES, FileProblem, RowError, read_table
from certify.people.models import Candidate, Hall, User
from certify.people.services import candidate_upsert
from certify.standard.models import Level
from certify.validators import id_number_problem, normalize_id_number
from exams.planning.models import Enrollment, EnrollmentStatus, Sitting
from exams.planning.services import PLANNING, overlap_problem

COLUMNS = ["工号", "姓名", "身份证号", "手机号", "分公司", "营业厅", "报考级别"]
SHEET = "考生名单"
# Long numbers lose precision when Excel stores them as numbers: these columns must be text.
TEXT_ONLY = ("工号", "身份证号", "手机号")
MAX_ROWS = 20000
EMPLOYEE_NO = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
MOBILE = re.compile(r"^1\d{10}$")
LEVELS = (
    {str(label): value for value, label in Level.choices}
    | {str(label).replace("营业", ""): value for value, label in Level.choices}
    | {str(value): value for value in Level.values}
)

__all__ = ["COLUMNS", "MAX_UPLOAD_BYTES", "RosterReport", "roster_import"]


@dataclass
class RosterRow:
    row: int
    employee_no: str
    name: str
    id_number: str
    phone: str
    hall: Hall
    level: int


@dataclass
class RosterReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    enrolled: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _validate(sitting: Sitting, rows: list[tuple[int, dict[str, str]]], errors: list[RowError]) -> list[RosterRow]:
    halls = {
        (hall.branch.name, hall.name): hall
        for hall in Hall.objects.filter(branch__province=sitting.province).select_related("branch")
    }
    existing = {c.employee_no: c for c in Candidate.objects.select_related("hall__branch")}
    by_id_number = {c.id_number: c.employee_no for c in existing.values()}
    seen_employee: dict[str, int] = {}
    seen_id: dict[str, int] = {}
    valid: list[RosterRow] = []
    for row, cells in rows:
        start = len(errors)

        def error(column: str, message: str, row=row) -> None:
            errors.append(RowError(row, column, message))

        employee_no = cells["工号"].strip()
        name = cells["姓名"].strip()
        id_number = normalize_id_number(cells["身份证号"])
        phone = cells["手机号"].strip()
        branch, hall_name = cells["分公司"].strip(), cells["营业厅"].strip()
        level = LEVELS.get(cells["报考级别"].strip())

        if not EMPLOYEE_NO.match(employee_no):
            error("工号", _("工号应为 1–20 位字母、数字、下划线或连字符，填写的是「%(v)s」") % {"v": employee_no[:20]})
        elif employee_no in seen_employee:
            error("工号", _("与第 %(row)s 行是同一人（工号相同）") % {"row": seen_employee[employee_no]})
        if not name or len(name) > 50:
            error("姓名", _("姓名不能为空，且不超过 50 字"))
        problem = id_number_problem(id_number)
        repeated_person = employee_no in seen_employee
        if problem:
            error("身份证号", problem)
        elif id_number in seen_id and not repeated_person:
            error("身份证号", _("与第 %(row)s 行的身份证号相同") % {"row": seen_id[id_number]})
        elif by_id_number.get(id_number, employee_no) != employee_no:
            error("身份证号", _("该身份证号已属于工号 %(other)s 的考生") % {"other": by_id_number[id_number]})
        if not MOBILE.match(phone):
            error("手机号", _("手机号应为以 1 开头的 11 位数字，填写的是「%(v)s」") % {"v": phone[:20]})
        hall = halls.get((branch, hall_name))
        if hall is None:
            error(
                "营业厅",
                _("%(province)s没有「%(branch)s · %(hall)s」这个营业厅")
                % {"province": sitting.province.name, "branch": branch or "（空）", "hall": hall_name or "（空）"},
            )
        if level is None:
            error(
                "报考级别", _("未知级别「%(v)s」，应为 营业五级、营业四级 或 营业三级") % {"v": cells["报考级别"][:10]}
            )
        elif level != sitting.level:
            error(
                "报考级别",
                _("本批次只考%(sitting)s，不能报考%(level)s")
                % {"sitting": Level(sitting.level).label, "level": Level(level).label},
            )
        if employee_no and employee_no not in seen_employee:
            seen_employee[employee_no] = row
        if id_number and not problem and id_number not in seen_id:
            seen_id[id_number] = row
        if len(errors) > start:
            continue
        candidate = existing.get(employee_no)
        if candidate is not None:
            clash = overlap_problem(sitting=sitting, candidate=candidate)
            if clash:
                error("工号", clash)
                continue
        valid.append(RosterRow(row, employee_no, name, id_number, phone, hall, level))
    return valid


def roster_import(*, sitting: Sitting, content: bytes, by: User | None, size: int | None = None) -> RosterReport:
    """Validate the whole roster; if every row is right, create or update the people (matched by 工号)
    and enrol them. New candidates sign in with their 工号 and, the first time, the last six
    characters of their ID number."""
    report = RosterReport()
    if sitting.status not in PLANNING:
        report.errors.append(
            RowError(
                None, "", _("考试批次已是「%(status)s」状态，不能再导入考生") % {"status": sitting.get_status_display()}
            )
        )
        return report
    try:
        rows, cell_errors = read_table(
            content,
            columns=COLUMNS,
            required=COLUMNS,
            sheet_name=SHEET,
            max_rows=MAX_ROWS,
            size=size,
            text_only=TEXT_ONLY,
        )
    except FileProblem as problem:
        report.errors.append(RowError(None, "", str(problem)))
        return report
    report.rows = len(rows)
    report.errors.extend(cell_errors)
    if not rows and not cell_errors:
        report.errors.append(RowError(None, "", _("名单中没有考生：请从第 2 行起每行填写一名考生")))
        return report
    valid = _validate(sitting, rows, report.errors)
    report.errors.sort(key=lambda e: (e.row or 0, COLUMNS.index(e.column) if e.column in COLUMNS else -1))
    if report.errors:
        return report
    with transaction.atomic():
        Sitting.objects.select_for_update().get(pk=sitting.pk)
        enrolled = set(
            Enrollment.objects.filter(sitting=sitting, status=EnrollmentStatus.ENROLLED).values_list(
                "candidate__employee_no", flat=True
            )
        )
        for person in valid:
            candidate, created = candidate_upsert(
                employee_no=person.employee_no,
                name=person.name,
                id_number=person.id_number,
                phone=person.phone,
                hall=person.hall,
                level=person.level,
            )
            report.created += created
            report.updated += not created
            if person.employee_no not in enrolled:
                Enrollment.objects.update_or_create(
                    sitting=sitting, candidate=candidate, defaults={"status": EnrollmentStatus.ENROLLED}
                )
                report.enrolled += 1
    return report
