"""What each export holds: its title, file name, filters and sheets (columns and a row iterator).

A source reads the database in batches (``iterator``/``values_list``) and never builds the whole
table in memory; personal data is masked here unless the job says the requester may see it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from certify.people.models import Branch, Hall
from certify.standard.models import Level
from certify.validators import mask_id_number
from exams.planning.models import Enrollment, RoomEvent, Sitting
from exams.practical.models import SCENE_DIMENSIONS, BusinessTask, SceneRun, TypingAttempt
from exams.written.models import Attempt
from grading.certificates.models import Certificate, CertificateStatus
from grading.certificates.selectors import certificate_register as register_query
from grading.exports.models import ExportJob, ExportKind
from grading.exports.workbook import Column, Sheet
from grading.marking.models import Script, Task, TaskKind, TaskStatus
from grading.results.models import Outcome, Part, ReScore, Result
from grading.statistics.responses import responses
from question_bank.models import ItemType


@dataclass
class Export:
    title: str
    file_name: str
    filters: list[tuple[str, str]]
    sheets: list[Sheet]

    @property
    def total(self) -> int:
        return sum(sheet.total for sheet in self.sheets)


def labels(choices) -> dict:
    """A choices class's labels as text, translated once: a lazy label turned into text on every
    row costs about a tenth of a large export's time."""
    return {value: str(label) for value, label in choices.choices}


def sitting_filters(sitting: Sitting) -> list[tuple[str, str]]:
    return [(_("考试批次"), f"{sitting.code} {sitting.name}"), (_("级别"), sitting.get_level_display())]


# --- (f) the exam-day log -----------------------------------------------------------------------


def exam_day_log(job: ExportJob) -> Export:
    sitting = Sitting.objects.get(pk=job.params["sitting"])
    events = RoomEvent.objects.filter(room__sitting=sitting).order_by("at", "pk")
    event_rows = events.values_list(
        "at",
        "room__name",
        "enrollment__admission_no",
        "enrollment__candidate__name",
        "action",
        "detail",
        "reason",
        "actor__full_name",
        "actor__username",
    )
    actions = {value: str(label) for value, label in RoomEvent._meta.get_field("action").choices}  # as labels()

    def event_iter() -> Iterator[tuple]:
        for at, room, admission, name, action, detail, reason, actor_name, actor in event_rows.iterator(2000):
            yield at, room, admission, name, actions.get(action, action), detail, reason, actor_name or actor

    enrollments = Enrollment.objects.filter(sitting=sitting).order_by("admission_no", "pk")
    # The typing test is one-to-one with the enrollment: joined in the same batched query.
    focus_rows = enrollments.values_list(
        "admission_no",
        "candidate__name",
        "candidate__hall__name",
        "written_room__name",
        "attempt__focus_losses",
        "attempt__pastes",
        "typing__focus_losses",
        "typing__pastes",
    )

    return Export(
        title=_("考试日志（%(sitting)s）") % {"sitting": sitting.name},
        file_name=f"考试日志-{sitting.code}.xlsx",
        filters=sitting_filters(sitting),
        sheets=[
            Sheet(
                _("考场日志"),
                [
                    Column(_("时间"), "datetime", 19),
                    Column(_("考场"), width=10),
                    Column(_("准考证号"), "code", 10),
                    Column(_("姓名"), width=8),
                    Column(_("操作"), width=12),
                    Column(_("内容"), width=20),
                    Column(_("原因"), width=30),
                    Column(_("操作人"), width=8),
                ],
                event_iter(),
                events.count(),
                note=_("本批次没有考场操作记录"),
            ),
            Sheet(
                _("离开页面与粘贴"),
                [
                    Column(_("准考证号"), "code", 10),
                    Column(_("姓名"), width=8),
                    Column(_("营业厅"), width=16),
                    Column(_("笔试考场"), width=10),
                    Column(_("笔试离开页面次数"), "number"),
                    Column(_("笔试粘贴次数"), "number"),
                    Column(_("文字阅录离开页面次数"), "number"),
                    Column(_("文字阅录粘贴尝试次数"), "number"),
                ],
                focus_rows.iterator(2000),
                enrollments.count(),
            ),
        ],
    )


# --- (d) one candidate's score details -----------------------------------------------------------


def candidate_details(job: ExportJob) -> Export:
    enrollment = Enrollment.objects.select_related("candidate__hall__branch", "sitting").get(
        pk=job.params["enrollment"]
    )
    candidate, sitting = enrollment.candidate, enrollment.sitting
    id_number = candidate.id_number if job.show_personal_data else mask_id_number(candidate.id_number)
    attempts = Attempt.objects.filter(enrollment=enrollment)
    written = list(responses(attempts=attempts))
    kinds = dict(ItemType.choices)
    written_rows = [
        (
            r.position,
            str(kinds.get(r.kind, r.kind)),
            f"#{r.item_id}",
            r.points,
            r.shown,
            r.chosen if r.kind != "situational" else "",
            r.key,
            r.earned,
        )
        for r in written
    ]
    scripts = Script.objects.filter(attempt__enrollment=enrollment)
    tasks = Task.objects.filter(script__in=scripts, kind=TaskKind.REGULAR, status=TaskStatus.SUBMITTED).order_by(
        "script__position", "slot"
    )
    marking_rows: list[tuple] = []
    for task in tasks.select_related("script", "marker"):
        for old in task.history or []:
            marking_rows.append(
                (
                    task.script.position,
                    task.script.code,
                    _("第 %(slot)s 评（回评前）") % {"slot": task.slot},
                    task.marker.display_name,
                    _number(old.get("total")),
                    _parse_time(old.get("at")),
                    old.get("comment", ""),
                )
            )
        marking_rows.append(
            (
                task.script.position,
                task.script.code,
                _("第 %(slot)s 评") % {"slot": task.slot},
                task.marker.display_name,
                task.total,
                task.submitted_at,
                task.comment,
            )
        )
    for script in scripts.order_by("position").select_related("decided_by"):
        marking_rows.append(
            (
                script.position,
                script.code,
                _("最终得分（%(rule)s）") % {"rule": script.get_rule_display() or _("未定分")},
                script.decided_by.display_name if script.decided_by else "",
                script.final_mark,
                script.final_at,
                "",
            )
        )
    practical_rows: list[tuple] = []
    typing = TypingAttempt.objects.filter(enrollment=enrollment).first()
    if typing is not None:
        result = typing.result or {}
        practical_rows.append((_("文字阅录"), _("得分"), typing.score, ""))
        for key, label in (
            ("net_cpm", _("净速度（字/分）")),
            ("accuracy", _("正确率")),
            ("wrong", _("错字")),
            ("missing", _("漏字")),
            ("extra", _("多字")),
        ):
            if key in result:
                practical_rows.append((_("文字阅录"), label, _number(result[key]), ""))
    for task in BusinessTask.objects.filter(attempt__enrollment=enrollment).select_related("scenario"):
        practical_rows.append(
            (
                _("业务受理"),
                f"{task.position}. {task.scenario.title}",
                task.score,
                _("用时 %(s)s 秒") % {"s": task.seconds_used} if task.seconds_used is not None else "",
            )
        )
    run = SceneRun.objects.filter(enrollment=enrollment).select_related("scene").first()
    if run is not None:
        practical_rows.append((_("情景模拟"), _("情景得分（%(scene)s）") % {"scene": run.scene.title}, run.result, ""))
        for score in run.scores.select_related("examiner").order_by("round", "pk"):
            marks = "；".join(
                f"{SCENE_DIMENSIONS[key]} {value}" for key, value in score.marks.items() if key in SCENE_DIMENSIONS
            )
            practical_rows.append(
                (
                    _("情景模拟"),
                    _("第 %(round)s 轮 %(examiner)s") % {"round": score.round, "examiner": score.examiner.display_name},
                    score.total,
                    marks,
                )
            )
    parts = dict(Part.choices)
    outcomes = dict(Outcome.choices)
    rescore_rows = [
        (
            str(parts.get(r.part, r.part)),
            r.old,
            r.new,
            r.reason,
            r.by.display_name,
            r.at,
            str(outcomes.get(r.outcome_before, r.outcome_before)),
            str(outcomes.get(r.outcome_after, r.outcome_after)),
        )
        for r in ReScore.objects.filter(result__enrollment=enrollment).select_related("by").order_by("at", "pk")
    ]
    text = Column(_("说明"), width=40)
    return Export(
        title=_("考生成绩明细（%(name)s）") % {"name": candidate.name},
        file_name=f"成绩明细-{enrollment.admission_no or enrollment.pk}.xlsx",
        filters=[
            *sitting_filters(sitting),
            (_("考生"), f"{candidate.employee_no} {candidate.name}"),
            (_("身份证号"), id_number),
            (_("准考证号"), enrollment.admission_no or ""),
        ],
        sheets=[
            Sheet(
                _("笔试作答"),
                [
                    Column(_("题号"), "number", 4),
                    Column(_("题型"), width=8),
                    Column(_("题目"), width=6),
                    Column(_("分值"), "number", 4),
                    Column(_("作答（考生所见选项）"), width=16),
                    Column(_("作答（题库选项）"), width=10),
                    Column(_("答案（题库选项）"), width=10),
                    Column(_("得分"), "number", 6),
                ],
                written_rows,
                len(written_rows),
                note=_("没有已交卷的笔试答卷"),
            ),
            Sheet(
                _("阅卷记录"),
                [
                    Column(_("题号"), "number", 4),
                    Column(_("评阅编号"), "code", 12),
                    Column(_("评次"), width=16),
                    Column(_("评卷人"), width=8),
                    Column(_("得分"), "number", 6),
                    Column(_("时间"), "datetime", 19),
                    Column(_("评语"), width=30),
                ],
                marking_rows,
                len(marking_rows),
                note=_("没有情景分析题的阅卷记录"),
            ),
            Sheet(
                _("实操"),
                [Column(_("部分"), width=8), Column(_("项目"), width=24), Column(_("得分"), "number", 6), text],
                practical_rows,
                len(practical_rows),
                note=_("没有实操记录"),
            ),
            Sheet(
                _("成绩更正"),
                [
                    Column(_("部分"), width=10),
                    Column(_("原分数"), "number", 6),
                    Column(_("新分数"), "number", 6),
                    Column(_("原因"), width=30),
                    Column(_("操作人"), width=8),
                    Column(_("时间"), "datetime", 19),
                    Column(_("原结果"), width=10),
                    Column(_("新结果"), width=10),
                ],
                rescore_rows,
                len(rescore_rows),
                note=_("没有成绩更正记录"),
            ),
        ],
    )


def _parse_time(value):
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


SOURCES = {
    ExportKind.EXAM_DAY_LOG: exam_day_log,
    ExportKind.CANDIDATE_DETAILS: candidate_details,
}


# --- (a), (b) results, (c) the certificate register ----------------------------------------------

# Who a result or a certificate belongs to, in both workbooks: the columns and the fields behind them.
PERSON_COLUMNS = [
    Column(_("工号"), "code", 10),
    Column(_("姓名"), width=8),
    Column(_("身份证号"), "code", 18),
    Column(_("分公司"), width=12),
    Column(_("营业厅"), width=18),
    Column(_("级别"), width=8),
]
PERSON_FIELDS = (
    "candidate__employee_no",
    "candidate__name",
    "candidate__id_number",
    "candidate__hall__branch__name",
    "candidate__hall__name",
    "level",
)

RESULT_COLUMNS = [
    *PERSON_COLUMNS,
    Column(_("准考证号"), "code", 10),
    Column(_("客观题"), "number", 6),
    Column(_("情景分析"), "number", 6),
    Column(_("笔试成绩"), "number", 6),
    Column(_("文字阅录"), "number", 6),
    Column(_("业务受理"), "number", 6),
    Column(_("情景模拟"), "number", 6),
    Column(_("实操成绩"), "number", 6),
    Column(_("结果"), width=10),
    Column(_("证书编号"), "code", 16),
]
RESULT_FIELDS = (
    *PERSON_FIELDS,
    "enrollment__admission_no",
    "objective",
    "situational",
    "written",
    "typing",
    "business",
    "scene",
    "practical",
    "outcome",
    "certificate_number",
)


def result_rows(results, *, show_personal_data: bool, before: tuple[str, ...] = ()) -> Iterator[list]:
    """Rows of ``RESULT_COLUMNS`` (after the fields ``before``) for a queryset of ``Result``, read
    2,000 at a time with one query per batch."""
    certificate = Certificate.objects.filter(result=OuterRef("pk"), status=CertificateStatus.VALID).values("number")
    levels, outcomes = labels(Level), labels(Outcome)
    rows = results.annotate(certificate_number=Subquery(certificate[:1])).values_list(*before, *RESULT_FIELDS)
    id_at, level_at, outcome_at = len(before) + 2, len(before) + 5, len(before) + 14
    for row in rows.iterator(2000):
        row = list(row)
        if not show_personal_data:
            row[id_at] = mask_id_number(row[id_at])
        row[level_at] = levels.get(row[level_at], row[level_at])
        row[outcome_at] = outcomes.get(row[outcome_at], row[outcome_at])
        yield row


def sitting_results(job: ExportJob) -> Export:
    sitting = Sitting.objects.get(pk=job.params["sitting"])
    results = Result.objects.filter(sitting=sitting).order_by("enrollment__admission_no", "pk")
    return Export(
        title=_("批次成绩（%(sitting)s）") % {"sitting": sitting.name},
        file_name=f"成绩-{sitting.code}.xlsx",
        filters=sitting_filters(sitting),
        sheets=[
            Sheet(
                _("成绩"),
                RESULT_COLUMNS,
                result_rows(results, show_personal_data=job.show_personal_data),
                results.count(),
                note=_("本批次成绩尚未发布"),
            )
        ],
    )


def results_across(job: ExportJob) -> Export:
    params = job.params
    results = Result.objects.all()
    filters: list[tuple[str, str]] = []
    if params.get("level"):
        results = results.filter(level=params["level"])
        filters.append((_("级别"), str(Level(params["level"]).label)))
    if params.get("branch"):
        branch = Branch.objects.get(pk=params["branch"])
        results = results.filter(candidate__hall__branch=branch)
        filters.append((_("分公司"), branch.name))
    if params.get("hall"):
        hall = Hall.objects.get(pk=params["hall"])
        results = results.filter(candidate__hall=hall)
        filters.append((_("营业厅"), hall.name))
    if params.get("date_from"):
        results = results.filter(sitting__written_start__date__gte=params["date_from"])
        filters.append((_("考试日期自"), params["date_from"]))
    if params.get("date_to"):
        results = results.filter(sitting__written_start__date__lte=params["date_to"])
        filters.append((_("考试日期至"), params["date_to"]))
    results = results.order_by("sitting__written_start", "sitting_id", "enrollment__admission_no", "pk")
    columns = [Column(_("考试批次"), width=20), Column(_("考试日期"), "date", 10), *RESULT_COLUMNS]
    rows = result_rows(
        results, show_personal_data=job.show_personal_data, before=("sitting__name", "sitting__written_start")
    )
    return Export(
        title=_("成绩汇总"),
        file_name="成绩汇总.xlsx",
        filters=filters,
        sheets=[Sheet(_("成绩"), columns, rows, results.count(), note=_("没有符合条件的成绩"))],
    )


def certificate_register(job: ExportJob) -> Export:
    today = timezone.localdate()
    days = job.params.get("expiring_days")
    # The register page's own filter (grading.certificates.selectors), in certificate-number order.
    certificates = register_query(expiring_within=days, today=today).order_by("number")
    filters: list[tuple[str, str]] = []
    if days is not None:
        filters.append((_("有效期"), _("%(n)s 天内到期") % {"n": days}))
    levels, statuses = labels(Level), labels(CertificateStatus)

    def rows() -> Iterator[tuple]:
        for (
            number,
            employee_no,
            name,
            id_number,
            branch,
            hall,
            level,
            issued,
            until,
            status,
            reason,
        ) in certificates.values_list(
            "number",
            *PERSON_FIELDS,
            "issued_on",
            "valid_until",
            "status",
            "revoked_reason",
        ).iterator(2000):
            if status == CertificateStatus.VALID and until < today:
                status = CertificateStatus.EXPIRED
            shown_id = id_number if job.show_personal_data else mask_id_number(id_number)
            yield (
                number, employee_no, name, shown_id, branch, hall, levels.get(level, level),
                issued, until, statuses.get(status, status), reason,
            )  # fmt: skip

    return Export(
        title=_("证书登记册"),
        file_name="证书登记册.xlsx",
        filters=filters,
        sheets=[
            Sheet(
                _("证书"),
                [
                    Column(_("证书编号"), "code", 16),
                    *PERSON_COLUMNS,
                    Column(_("发证日期"), "date", 10),
                    Column(_("有效期至"), "date", 10),
                    Column(_("状态"), width=6),
                    Column(_("撤销原因"), width=30),
                ],
                rows(),
                certificates.count(),
                note=_("没有符合条件的证书"),
            )
        ],
    )


SOURCES.update(
    {
        ExportKind.SITTING_RESULTS: sitting_results,
        ExportKind.RESULTS: results_across,
        ExportKind.CERTIFICATES: certificate_register,
    }
)
