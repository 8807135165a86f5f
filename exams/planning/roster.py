"""HR's roster (Excel) into a sitting: all rows or none, every error with its row and column."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from certify.excel import MAX_UPLOAD_BYTES, FileProblem, RowError, read_table
from certify.people.hashers import first_login_secret
from certify.people.models import Candidate, Hall, Role, User
from certify.people.services import ROLE_GROUPS, role_groups_sync
from certify.standard.models import Level
from certify.validators import (
    clean_text_cell,
    id_number_problem,
    mask_id_number,
    mask_phone,
    name_problem,
    normalize_id_number,
)
from exams.planning.models import Enrollment, EnrollmentStatus, Sitting
from exams.planning.services import PLANNING, _span, overlapping_sittings

COLUMNS = ["工号", "姓名", "身份证号", "手机号", "分公司", "营业厅", "报考级别"]
SHEET = "考生名单"
# Long numbers lose precision when Excel stores them as numbers: these columns must be text.
TEXT_ONLY = ("工号", "身份证号", "手机号")
# Codes and numbers: full-width digits and letters are validated and compared as ASCII (NFKC).
NFKC_COLUMNS = ("工号", "身份证号", "手机号", "报考级别")
MAX_ROWS = 20000
BATCH = 500  # rows written per batch: a constant number of queries each
IDENTITY_FIELDS = ("姓名", "身份证号")
REPORT_LIMIT = 500  # errors and changes listed in a stored report  # changed only when the admin confirms
EMPLOYEE_NO = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
MOBILE = re.compile(r"^1\d{10}$")
LEVELS = (
    {str(label): value for value, label in Level.choices}
    | {str(label).replace("营业", ""): value for value, label in Level.choices}
    | {str(value): value for value in Level.values}
)

__all__ = ["COLUMNS", "MAX_UPLOAD_BYTES", "RosterChange", "RosterReport", "roster_import"]


@dataclass
class RosterRow:
    row: int
    employee_no: str
    name: str
    id_number: str
    phone: str
    hall: Hall
    level: int


@dataclass(frozen=True)
class RosterChange:
    """A change the roster makes to a person already on file (matched by 工号)."""

    row: int
    employee_no: str
    field: str  # the column: 姓名, 身份证号, 手机号, 营业厅
    old: str
    new: str

    @property
    def identity(self) -> bool:
        return self.field in IDENTITY_FIELDS

    def as_dict(self, *, show_personal_data: bool) -> dict:
        old, new = self.old, self.new
        if self.field == "身份证号" and not show_personal_data:
            old, new = mask_id_number(old), mask_id_number(new)
        if self.field == "手机号" and not show_personal_data:
            old, new = mask_phone(old), mask_phone(new)
        return {"row": self.row, "employee_no": self.employee_no, "field": self.field, "old": old, "new": new}


@dataclass
class RosterReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    enrolled: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[RosterChange] = field(default_factory=list)
    # Identity fields (姓名, 身份证号) of people on file would change: nothing was imported,
    # the admin must look at ``changes`` and confirm.
    needs_confirmation: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.needs_confirmation

    @property
    def identity_changes(self) -> list[RosterChange]:
        return [change for change in self.changes if change.identity]

    def as_dict(self, *, show_personal_data: bool = False) -> dict:
        """The report as stored and sent: at most ``REPORT_LIMIT`` errors and changes listed (a
        hostile 20,000-row file would otherwise make a page of megabytes), with their counts."""
        errors = [error.as_dict() for error in self.errors[:REPORT_LIMIT]]
        if len(self.errors) > REPORT_LIMIT:
            more = _("另有 %(n)s 处错误未列出：请先改正以上错误后重新上传") % {"n": len(self.errors) - REPORT_LIMIT}
            errors.append({"row": None, "column": "", "message": more})
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "enrolled": self.enrolled,
            "error_count": len(self.errors),
            "errors": errors,
            "change_count": len(self.changes),
            "changes": [
                change.as_dict(show_personal_data=show_personal_data) for change in self.changes[:REPORT_LIMIT]
            ],
            "needs_confirmation": self.needs_confirmation,
        }


def _chunks(values: list, size: int = BATCH):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _on_file(rows: list[tuple[int, dict[str, str]]]) -> dict[str, Candidate]:
    """People already on file whose 工号 or ID number is in the roster, in a few queries (batches)."""
    numbers = [clean_text_cell(cells["工号"], nfkc=True) for _row, cells in rows]
    ids = [normalize_id_number(cells["身份证号"]) for _row, cells in rows]
    found: dict[str, Candidate] = {}
    for part in _chunks(sorted(set(numbers) | set(ids)), 900):
        query = Candidate.objects.filter(Q(employee_no__in=part) | Q(id_number__in=part)).select_related(
            "user", "hall__branch"
        )
        found.update({candidate.employee_no: candidate for candidate in query})
    return found


def _clashes(sitting: Sitting, numbers: list[str]) -> dict[str, Sitting]:
    """工号 → an overlapping sitting they are enrolled in, in one query per batch."""
    start, end = _span(sitting)
    overlapping = overlapping_sittings(start=start, end=end, exclude=sitting)
    clashes: dict[str, Sitting] = {}
    for part in _chunks(numbers, 900):
        rows = Enrollment.objects.filter(
            candidate__employee_no__in=part, status=EnrollmentStatus.ENROLLED, sitting__in=overlapping
        ).select_related("sitting", "candidate")
        clashes.update({enrollment.candidate.employee_no: enrollment.sitting for enrollment in rows})
    return clashes


def _validate(
    sitting: Sitting, rows: list[tuple[int, dict[str, str]]], errors: list[RowError], changes: list[RosterChange]
) -> list[RosterRow]:
    halls = {
        (hall.branch.name, hall.name): hall
        for hall in Hall.objects.filter(branch__province=sitting.province).select_related("branch")
    }
    existing = _on_file(rows)
    by_id_number = {c.id_number: c.employee_no for c in existing.values()}
    clashes = _clashes(sitting, list(existing))
    seen_employee: dict[str, int] = {}
    seen_id: dict[str, int] = {}
    valid: list[RosterRow] = []
    for row, cells in rows:
        start = len(errors)

        def error(column: str, message: str, row=row) -> None:
            errors.append(RowError(row, column, message))

        # NFKC first: full-width digits and letters are validated and compared as ASCII.
        cells = {column: clean_text_cell(value, nfkc=column in NFKC_COLUMNS) for column, value in cells.items()}
        employee_no = cells["工号"]
        name = cells["姓名"]
        id_number = normalize_id_number(cells["身份证号"])
        phone = cells["手机号"]
        branch, hall_name = cells["分公司"], cells["营业厅"]
        level = LEVELS.get(cells["报考级别"])

        if not EMPLOYEE_NO.match(employee_no):
            error("工号", _("工号应为 1–20 位字母、数字、下划线或连字符，填写的是「%(v)s」") % {"v": employee_no[:20]})
        elif employee_no in seen_employee:
            error("工号", _("与第 %(row)s 行是同一人（工号相同）") % {"row": seen_employee[employee_no]})
        if name_problem(name):
            error("姓名", name_problem(name))
        elif len(name) > 50:
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
            if employee_no in clashes:
                error("工号", _("已报名时间重叠的考试批次「%(sitting)s」") % {"sitting": clashes[employee_no]})
                continue
            for column, old, new in (
                ("姓名", candidate.name, name),
                ("身份证号", candidate.id_number, id_number),
                ("手机号", candidate.phone, phone),
                ("营业厅", str(candidate.hall), str(hall)),
            ):
                if old != new:
                    changes.append(RosterChange(row, employee_no, column, old, new))
        valid.append(RosterRow(row, employee_no, name, id_number, phone, hall, level))
    return valid


def roster_import(
    *,
    sitting: Sitting,
    content: bytes,
    by: User | None,
    size: int | None = None,
    confirm_identity_changes: bool = False,
    progress=None,
) -> RosterReport:
    """Validate the whole roster; if every row is right, create or update the people (matched by 工号)
    and enrol them. New candidates sign in with their 工号 and, the first time, the last six
    characters of their ID number.

    A change to a person on file is listed in ``report.changes`` (old → new); a change to their
    identity (姓名 or 身份证号) is applied only with ``confirm_identity_changes``: without it the
    report asks for confirmation and nothing is imported. Writes go in batches of ``BATCH`` rows
    with a constant number of queries each; ``progress(done, total)`` is called after each.
    """
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
    valid = _validate(sitting, rows, report.errors, report.changes)
    report.errors.sort(key=lambda e: (e.row or 0, COLUMNS.index(e.column) if e.column in COLUMNS else -1))
    if report.errors:
        return report
    if report.identity_changes and not confirm_identity_changes:
        report.needs_confirmation = True
        return report
    with transaction.atomic():
        Sitting.objects.select_for_update().get(pk=sitting.pk)
        _apply(sitting, valid, report, progress)
    return report


def _apply(sitting: Sitting, valid: list[RosterRow], report: RosterReport, progress) -> None:
    """Create, update and enrol ``valid`` rows in batches: about a dozen queries per batch."""
    now = timezone.now()
    role_groups_sync()
    group = Group.objects.get(name=ROLE_GROUPS[Role.CANDIDATE])
    through = User.groups.through
    done = 0
    for batch in _chunks(valid):
        on_file = {
            c.employee_no: c
            for c in Candidate.objects.filter(employee_no__in=[r.employee_no for r in batch]).select_related("user")
        }
        new_rows = [row for row in batch if row.employee_no not in on_file]
        users = [
            User(
                username=row.employee_no,
                full_name=row.name,
                hall=row.hall,
                role=Role.CANDIDATE,
                password=first_login_secret(row.id_number),
                password_must_change=True,
            )
            for row in new_rows
        ]
        User.objects.bulk_create(users)
        through.objects.bulk_create([through(user_id=user.pk, group_id=group.pk) for user in users])
        created = [
            Candidate(
                user=user,
                employee_no=row.employee_no,
                name=row.name,
                id_number=row.id_number,
                phone=row.phone,
                hall=row.hall,
                level=row.level,
            )
            for user, row in zip(users, new_rows, strict=True)
        ]
        Candidate.objects.bulk_create(created)
        # Updates: per field, only the rows whose value changes (a CASE per field stays small).
        changed: dict[tuple[type, str], list] = {}
        updated_candidates = []
        for row in batch:
            candidate = on_file.get(row.employee_no)
            if candidate is None:
                continue
            user = candidate.user
            if user.password_must_change and user.has_usable_password() and candidate.id_number != row.id_number:
                user.password = first_login_secret(row.id_number)  # the secret follows the corrected ID number
                changed.setdefault((User, "password"), []).append(user)
            for obj, name, value in (
                (candidate, "name", row.name),
                (candidate, "id_number", row.id_number),
                (candidate, "phone", row.phone),
                (candidate, "hall_id", row.hall.pk),
                (candidate, "level", row.level),
                (user, "full_name", row.name),
                (user, "hall_id", row.hall.pk),
            ):
                if getattr(obj, name) != value:
                    setattr(obj, name, value)
                    changed.setdefault((type(obj), name.removesuffix("_id")), []).append(obj)
            candidate.updated_at = now
            updated_candidates.append(candidate)
        for (model, name), objects in changed.items():
            model.objects.bulk_update(objects, [name])
        Candidate.objects.filter(pk__in=[c.pk for c in updated_candidates]).update(updated_at=now)
        report.created += len(created)
        report.updated += len(updated_candidates)
        people = [*created, *updated_candidates]
        enrollments = {
            e.candidate_id: e for e in Enrollment.objects.filter(sitting=sitting, candidate__in=[c.pk for c in people])
        }
        fresh = [Enrollment(sitting=sitting, candidate=c) for c in people if c.pk not in enrollments]
        Enrollment.objects.bulk_create(fresh)
        returning = [e.pk for e in enrollments.values() if e.status != EnrollmentStatus.ENROLLED]
        Enrollment.objects.filter(pk__in=returning).update(status=EnrollmentStatus.ENROLLED)
        report.enrolled += len(fresh) + len(returning)
        done += len(batch)
        if progress is not None:
            progress(done, len(valid))
