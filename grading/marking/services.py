"""The marking queue and the decisions on a script (writes). The rules are DESIGN.md §7 and issue 12;
the decision rule itself is the pure ``grading.scoring.marking.decide``.

Who marks what:

- The admin names a sitting's marking team: markers and chiefs (组长), each for one situational
  item or for every item of the sitting (``TeamMember``). Only examiners join.
- Own-hall rule (conflict of interest): a marker is never given a script of a candidate from their
  own hall, nor their own script. The data: the marker's ``User.hall`` (staff without a hall, e.g.
  provincial trainers, have no conflict) and the candidate's ``Candidate.hall`` copied onto the
  script when it is made (``Script.hall``). A chief never arbitrates a script of their own hall.

The queue (``task_claim``):

- "下一份" gives the marker the next open task of the item, claimed for them until the lease runs
  out (``MarkingSettings.lease_minutes``, default 20). A claim whose lease ran out is open again and
  goes to whoever asks next; until then its marker may still submit it.
- A marker holds one claim per item at a time: asking again returns the same script.
- PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` finds the task, so markers asking at once take
  different tasks without waiting for each other; SQLite (one writer at a time) uses the same
  conditional ``UPDATE … WHERE still open`` whose row count says who won. The database backs it:
  one task per slot, one regular task per marker and script.
- With the settings' rate a claim serves a control script (自测卷) instead, looking like any other.

Locks: services that change a script lock the script row first, then its tasks.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from certify.people.models import User
from exams.planning.models import RoomExaminer, Sitting, SittingStatus
from grading.marking.models import (
    Arbitration,
    ControlScript,
    MarkerPause,
    MarkingItem,
    MarkingSettings,
    Rule,
    Script,
    ScriptStatus,
    Task,
    TaskKind,
    TaskStatus,
    TeamMember,
)
from grading.marking.scripts import MARKING_OPEN, marking_settings, new_code, new_tasks, written_scores_refresh
from grading.scoring.marking import (
    ARBITRATION,
    FINAL,
    THIRD,
    decide,
    default_tolerance,
    plain,
    point_choices,
    script_total,
)

MAX_COMMENT = 500
MAX_REASON = 1000


# --- who may do what -------------------------------------------------------------------------


def _team_rows(user: User, item: MarkingItem, *, chief: bool):
    """``user``'s team rows that cover ``item`` (its own, or the whole sitting's) in one role."""
    return TeamMember.objects.filter(
        Q(item=item) | Q(item__isnull=True), sitting_id=item.sitting_id, user=user, is_chief=chief
    )


def may_mark(user: User, item: MarkingItem) -> bool:
    return _team_rows(user, item, chief=False).exists()


def is_chief_of(user: User, item: MarkingItem) -> bool:
    return _team_rows(user, item, chief=True).exists()


def is_sitting_chief(user: User, sitting: Sitting) -> bool:
    """A chief of the sitting, or of any of its items."""
    return TeamMember.objects.filter(sitting=sitting, user=user, is_chief=True).exists()


def _open_pauses(sitting_id: int, marker: User):
    return MarkerPause.objects.filter(sitting_id=sitting_id, marker=marker, resumed_at__isnull=True)


def open_pause(sitting_id: int, marker: User) -> MarkerPause | None:
    return _open_pauses(sitting_id, marker).first()


def conflicts(user: User, script: Script) -> bool:
    """The own-hall rule: the script's candidate is from ``user``'s hall, or is ``user``."""
    return (user.hall_id is not None and script.hall_id == user.hall_id) or script.candidate_user_id == user.pk


def item_tolerance(item: MarkingItem, settings: MarkingSettings | None = None) -> Decimal:
    """The item's tolerance in points: its own, or the sitting's percentage of its points."""
    if item.tolerance is not None:
        return item.tolerance
    settings = settings or marking_settings(item.sitting if MarkingItem.sitting.is_cached(item) else item.sitting_id)
    return default_tolerance(item.points, settings.tolerance_percent)


def _marking_open(sitting: Sitting) -> None:
    if sitting.status not in MARKING_OPEN:
        raise ValidationError(_("本批次当前不在阅卷阶段（%(status)s）") % {"status": sitting.get_status_display()})


# --- the team and the settings (the admin) ---------------------------------------------------


def team_member_add(
    *, sitting: Sitting, user: User, item: MarkingItem | None = None, is_chief: bool = False
) -> TeamMember:
    """Add a marker or a chief to the sitting's marking team (for one item, or every item). Idempotent."""
    if not user.is_examiner:
        raise ValidationError(_("%(name)s 不是考评员，不能加入阅卷组") % {"name": user.display_name})
    if item is not None and item.sitting_id != sitting.pk:
        raise ValidationError(_("该题目不属于本批次"))
    if sitting.status in (SittingStatus.PUBLISHED, SittingStatus.CLOSED):
        raise ValidationError(_("成绩已发布，不能再调整阅卷组"))
    member, _created = TeamMember.objects.get_or_create(sitting=sitting, user=user, item=item, is_chief=is_chief)
    return member


def team_add_sitting_examiners(*, sitting: Sitting) -> int:
    """Every examiner assigned to one of the sitting's rooms joins as a marker for every item."""
    added = 0
    examiners = User.objects.filter(pk__in=RoomExaminer.objects.filter(room__sitting=sitting).values("examiner"))
    for user in examiners:
        if not TeamMember.objects.filter(sitting=sitting, user=user, item__isnull=True, is_chief=False).exists():
            team_member_add(sitting=sitting, user=user)
            added += 1
    return added


@transaction.atomic
def team_member_remove(*, member: TeamMember) -> None:
    """Remove a team member; a script they hold goes back to the queue."""
    sitting_id, user = member.sitting_id, member.user
    member.delete()
    if not TeamMember.objects.filter(sitting_id=sitting_id, user=user, is_chief=False).exists():
        _release_claims(sitting_id, user)


def _release_claims(sitting_id: int, user: User) -> None:
    claims = Task.objects.filter(script__item__sitting_id=sitting_id, marker=user, status=TaskStatus.CLAIMED)
    claims.filter(kind=TaskKind.CONTROL).delete()
    claims.filter(kind=TaskKind.REGULAR).update(marker=None, status=TaskStatus.OPEN, claimed_at=None, lease_until=None)


def _marks_started(sitting: Sitting, item: MarkingItem | None = None) -> bool:
    submitted = Task.objects.filter(script__item__sitting=sitting, kind=TaskKind.REGULAR, status=TaskStatus.SUBMITTED)
    if item is not None:
        submitted = submitted.filter(script__item=item)
    return submitted.exists()


def _bounded(errors: list, label: str, value, low: int, high: int) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        errors.append(_("“%(field)s”应为 %(low)s–%(high)s 的整数") % {"field": label, "low": low, "high": high})
        return None
    return value


@transaction.atomic
def marking_settings_update(*, sitting: Sitting, **values) -> MarkingSettings:
    """Change the sitting's marking settings. Single or double marking and the tolerance are fixed
    once the first mark is in (every script of a sitting is decided by the same rule)."""
    settings = MarkingSettings.objects.select_for_update().get(pk=marking_settings(sitting).pk)
    errors: list[str] = []
    limits = {
        "tolerance_percent": (_("误差阈值（%）"), 0, 100),
        "lease_minutes": (_("领取后保留时间（分钟）"), 1, 240),
        "control_rate_percent": (_("自测卷插入比例（%）"), 0, 50),
        "drift_percent": (_("偏差提醒阈值（%）"), 1, 100),
    }
    clean = {}
    for name, (label, low, high) in limits.items():
        if name in values:
            clean[name] = _bounded(errors, str(label), values[name], low, high)
    double = values.get("double_marking", settings.double_marking)
    if not isinstance(double, bool):
        errors.append(_("“双评”应为是或否"))
    if errors:
        raise ValidationError(errors)
    tolerance = clean.get("tolerance_percent", settings.tolerance_percent)
    changes_rule = double != settings.double_marking or tolerance != settings.tolerance_percent
    if changes_rule and _marks_started(sitting):
        raise ValidationError(_("已有阅卷员提交评分，不能再更改评阅方式或误差阈值"))
    for name, value in clean.items():
        setattr(settings, name, value)
    if double != settings.double_marking:
        settings.double_marking = double
        _switch_mode(sitting, double)
    settings.save()
    return settings


def _switch_mode(sitting: Sitting, double: bool) -> None:
    """Single ↔ double marking before any mark is in: the scripts being marked get one or two slots."""
    scripts = Script.objects.filter(item__sitting=sitting, status=ScriptStatus.MARKING)
    scripts.update(double=double)
    if double:
        Task.objects.bulk_create([task for script in scripts for task in new_tasks(script, (2,))])
    else:
        Task.objects.filter(script__in=scripts, kind=TaskKind.REGULAR, slot__gte=2).delete()


def item_tolerance_set(*, item: MarkingItem, tolerance) -> MarkingItem:
    """The item's own tolerance in points (``None``: the sitting's percentage). Fixed once marking of it began."""
    if tolerance in (None, ""):
        value = None
    else:
        try:
            value = Decimal(str(tolerance).strip())
        except InvalidOperation:
            raise ValidationError(_("“本题误差阈值”应为 0–%(max)s 的数") % {"max": item.points}) from None
        if not value.is_finite() or not 0 <= value <= item.points or value != value.quantize(Decimal("0.01")):
            raise ValidationError(_("“本题误差阈值”应为 0–%(max)s 的数") % {"max": item.points})
    if _marks_started(item.sitting, item) and value != item.tolerance:
        raise ValidationError(_("本题已有评分，不能再更改误差阈值"))
    item.tolerance = value
    item.save(update_fields=["tolerance"])
    return item


# --- the queue ---------------------------------------------------------------------------------


def task_claim(*, marker: User, item: MarkingItem, now: datetime | None = None) -> Task | None:
    """ "下一份": the next script of ``item`` for ``marker``, claimed for them; ``None`` when none is left."""
    now = now or timezone.now()
    _marking_open(item.sitting)
    standing = _standing(marker, item)
    if standing is None:
        raise PermissionDenied(_("您不是本题的阅卷员"))
    if standing.pause_reason is not None:
        raise ValidationError(_("阅卷组长已暂停您的阅卷：%(reason)s") % {"reason": standing.pause_reason})
    settings = marking_settings(item.sitting)
    lease = now + timedelta(minutes=settings.lease_minutes)
    held = (
        Task.objects.filter(marker=marker, status=TaskStatus.CLAIMED, item=item)
        .select_related("script__item__item_version", "script__item__sitting")
        .first()
    )
    if held is not None:
        Task.objects.filter(pk=held.pk, marker=marker, status=TaskStatus.CLAIMED).update(lease_until=lease)
        held.lease_until = lease
        return held
    if settings.control_rate_percent and random.random() * 100 < settings.control_rate_percent:
        task = _control_claim(marker, item, now, lease)
        if task is not None:
            return task
    return _regular_claim(marker, item, now, lease)


def _standing(marker: User, item: MarkingItem) -> TeamMember | None:
    """``marker``'s membership for ``item`` (``None``: not a marker of it), with ``pause_reason``
    set while the chief has paused them: the claim's two checks in one query."""
    pause = _open_pauses(item.sitting_id, marker)
    return _team_rows(marker, item, chief=False).annotate(pause_reason=Subquery(pause.values("reason")[:1])).first()


def _claimable(marker: User, item: MarkingItem, now: datetime):
    """The item's tasks ``marker`` may take now, in script order (index ``task_claimable``). Only a
    script being marked has tasks not yet submitted: a final script's are withdrawn, and one in
    arbitration has all three in."""
    rows = Task.objects.filter(item=item, kind=TaskKind.REGULAR).filter(
        Q(status=TaskStatus.OPEN) | Q(status=TaskStatus.CLAIMED, lease_until__lt=now)
    )
    if marker.hall_id is not None:
        rows = rows.exclude(script__hall_id=marker.hall_id)
    rows = rows.exclude(script__candidate_user_id=marker.pk)
    mine = Task.objects.filter(script=OuterRef("script"), marker=marker, kind=TaskKind.REGULAR)
    return rows.exclude(Exists(mine)).order_by("script_id", "slot")


def _regular_claim(marker: User, item: MarkingItem, now: datetime, lease: datetime) -> Task | None:
    skip_locked = connection.features.has_select_for_update_skip_locked
    for _attempt in range(8):
        try:
            with transaction.atomic():
                rows = _claimable(marker, item, now).select_related("script")
                if skip_locked:
                    rows = rows.select_for_update(skip_locked=True, of=("self",))
                task = rows.first()
                if task is None:
                    return None
                # Locked on PostgreSQL; on SQLite the transaction holds the write lock and the
                # condition says whether the task is still free.
                won = (
                    Task.objects.filter(pk=task.pk)
                    .filter(Q(status=TaskStatus.OPEN) | Q(status=TaskStatus.CLAIMED, lease_until__lt=now))
                    .update(marker=marker, status=TaskStatus.CLAIMED, claimed_at=now, lease_until=lease)
                )
                if won:
                    task.marker, task.status, task.claimed_at, task.lease_until = marker, TaskStatus.CLAIMED, now, lease
                    task.script.item = item  # loaded by the caller with its version and sitting
                    return task
        except IntegrityError:
            # The same marker claimed the script's other slot at the same moment (two tabs): try again.
            continue
    return None


def _control_claim(marker: User, item: MarkingItem, now: datetime, lease: datetime) -> Task | None:
    served = Task.objects.filter(control=OuterRef("pk"), marker=marker)
    marked = Task.objects.filter(script=OuterRef("script"), marker=marker, kind=TaskKind.REGULAR)
    controls = (
        ControlScript.objects.filter(script__item=item, active=True).exclude(Exists(served)).exclude(Exists(marked))
    )
    if marker.hall_id is not None:
        controls = controls.exclude(script__hall_id=marker.hall_id)
    controls = list(controls.exclude(script__candidate_user_id=marker.pk).values_list("pk", "script_id")[:50])
    if not controls:
        return None
    control_id, script_id = random.choice(controls)
    try:
        with transaction.atomic():
            return Task.objects.create(
                script_id=script_id,
                item=item,
                kind=TaskKind.CONTROL,
                control_id=control_id,
                code=new_code(),
                status=TaskStatus.CLAIMED,
                marker=marker,
                claimed_at=now,
                lease_until=lease,
            )
    except IntegrityError:
        return None


# --- marks ---------------------------------------------------------------------------------------


def clean_awards(rubric: list[dict], awards) -> list[Decimal]:
    """One mark per key point, each one of 0 … its points in its step; or every problem named."""
    if not isinstance(awards, list | tuple):
        raise ValidationError(_("评分应为每个要点的得分列表"))
    errors, clean = [], []
    if len(awards) != len(rubric):
        raise ValidationError(_("本题有 %(n)s 个评分要点，请逐一给分") % {"n": len(rubric)})
    for number, (point, value) in enumerate(zip(rubric, awards, strict=True), start=1):
        if value is None or value == "":
            errors.append(_("请为第 %(n)s 个要点“%(point)s”给分") % {"n": number, "point": point["point"]})
            continue
        try:
            mark = Decimal(str(value).strip())
        except InvalidOperation:
            mark = None
        choices = point_choices(point)
        if mark is None or not mark.is_finite() or isinstance(value, bool) or mark not in choices:
            errors.append(
                _("第 %(n)s 个要点“%(point)s”的得分应为 %(choices)s 之一")
                % {"n": number, "point": point["point"], "choices": "、".join(plain(c) for c in choices)}
            )
            continue
        clean.append(mark)
    if errors:
        raise ValidationError(errors)
    return clean


def _clean_comment(comment) -> str:
    comment = str(comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError(_("评语不能超过 %(n)s 字") % {"n": MAX_COMMENT})
    return comment


def _lock(task: Task) -> tuple[Script, Task]:
    # of=self: only the script row; locking the joined item and sitting would queue every submit.
    script = (
        Script.objects.select_for_update(of=("self",))
        .select_related("item__item_version", "item__sitting__marking_settings")
        .get(pk=task.script_id)
    )
    task = Task.objects.select_for_update().get(pk=task.pk)
    task.script = script
    return script, task


@transaction.atomic
def task_submit(*, task: Task, marker: User, awards, comment: str = "", now: datetime | None = None) -> Task:
    """Submit the marker's mark for a claimed task (or, for a task already submitted, change it: 回评)."""
    now = now or timezone.now()
    script, task = _lock(task)
    if task.marker_id != marker.pk:
        raise ValidationError(_("领取已超时，这份试卷已交给其他阅卷员"))
    if task.status == TaskStatus.SUBMITTED:
        return _revise(script, task, awards, comment, now)
    _marking_open(script.item.sitting)
    if task.kind == TaskKind.REGULAR and script.status != ScriptStatus.MARKING:
        raise ValidationError(_("这份试卷已无需再评"))
    rubric = script.item.item_version.rubric
    marks = clean_awards(rubric, awards)
    task.awards = [plain(m) for m in marks]
    task.total = script_total(marks, rubric_total=sum(p["points"] for p in rubric), points=script.item.points)
    task.comment = _clean_comment(comment)
    task.status, task.submitted_at = TaskStatus.SUBMITTED, now
    task.save(update_fields=["awards", "total", "comment", "status", "submitted_at"])
    if task.kind == TaskKind.REGULAR:
        _settle(script, now)
    return task


def _revise(script: Script, task: Task, awards, comment, now: datetime) -> Task:
    """回评: the marker changes their own mark while the script is still being marked."""
    if task.kind == TaskKind.REGULAR and script.status == ScriptStatus.FINAL:
        raise ValidationError(_("这份试卷已定分，不能再修改"))
    if task.kind == TaskKind.REGULAR and script.status == ScriptStatus.ARBITRATION:
        raise ValidationError(_("这份试卷已交组长仲裁，不能再修改"))
    rubric = script.item.item_version.rubric
    marks = clean_awards(rubric, awards)
    task.history = [
        *task.history,
        {
            "awards": task.awards,
            "total": plain(task.total),
            "comment": task.comment,
            "at": task.submitted_at.isoformat(),
        },
    ]
    task.awards = [plain(m) for m in marks]
    task.total = script_total(marks, rubric_total=sum(p["points"] for p in rubric), points=script.item.points)
    task.comment = _clean_comment(comment)
    task.submitted_at = now
    task.save(update_fields=["history", "awards", "total", "comment", "submitted_at"])
    if task.kind == TaskKind.REGULAR:
        _settle(script, now)
    return task


def _settle(script: Script, now: datetime) -> None:
    """Apply the marking rule to the script's marks (its row locked by the caller)."""
    tasks = list(Task.objects.filter(script=script, kind=TaskKind.REGULAR).order_by("slot"))
    submitted = [t for t in tasks if t.status == TaskStatus.SUBMITTED]
    decision = decide([t.total for t in submitted], tolerance=item_tolerance(script.item), double=script.double)
    if decision.status == FINAL:
        script.status, script.final_mark, script.rule = ScriptStatus.FINAL, decision.mark, decision.rule
        script.basis = [submitted[i].code for i in decision.used]
        script.decided_by, script.final_at = None, now
        script.save(update_fields=["status", "final_mark", "rule", "basis", "decided_by", "final_at"])
        # A third slot no longer needed (its first two now agree after a 回评) is withdrawn.
        Task.objects.filter(script=script, kind=TaskKind.REGULAR).exclude(status=TaskStatus.SUBMITTED).delete()
        written_scores_refresh(attempt_ids=[script.attempt_id], now=now)
    elif decision.status == THIRD and not any(t.slot == 3 for t in tasks):
        Task.objects.bulk_create(new_tasks(script, (3,)))
    elif decision.status == ARBITRATION:
        script.status = ScriptStatus.ARBITRATION
        script.save(update_fields=["status"])


@transaction.atomic
def script_arbitrate(*, script: Script, chief: User, awards, reason: str, now: datetime | None = None) -> Arbitration:
    """仲裁: the chief's mark, with a reason, is final for a script whose three marks disagree."""
    now = now or timezone.now()
    script = (
        Script.objects.select_for_update(of=("self",))
        .select_related("item__item_version", "item__sitting")
        .get(pk=script.pk)
    )
    if not is_chief_of(chief, script.item):
        raise PermissionDenied(_("只有本题的阅卷组长可以仲裁"))
    if conflicts(chief, script):
        raise PermissionDenied(_("该考生与您同属一个营业厅，请由其他组长仲裁"))
    if script.status != ScriptStatus.ARBITRATION:
        raise ValidationError(_("这份试卷不需要仲裁"))
    reason = str(reason or "").strip()
    errors = []
    if not reason:
        errors.append(_("请填写仲裁理由"))
    elif len(reason) > MAX_REASON:
        errors.append(_("仲裁理由不能超过 %(n)s 字") % {"n": MAX_REASON})
    rubric = script.item.item_version.rubric
    try:
        marks = clean_awards(rubric, awards)
    except ValidationError as exc:
        errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    mark = script_total(marks, rubric_total=sum(p["points"] for p in rubric), points=script.item.points)
    arbitration = Arbitration.objects.create(
        script=script, chief=chief, awards=[plain(m) for m in marks], mark=mark, reason=reason, at=now
    )
    script.status, script.final_mark, script.rule = ScriptStatus.FINAL, mark, Rule.ARBITRATION
    script.basis = list(
        Task.objects.filter(script=script, kind=TaskKind.REGULAR, status=TaskStatus.SUBMITTED)
        .order_by("slot")
        .values_list("code", flat=True)
    )
    script.decided_by, script.final_at = chief, now
    script.save(update_fields=["status", "final_mark", "rule", "basis", "decided_by", "final_at"])
    written_scores_refresh(attempt_ids=[script.attempt_id], now=now)
    return arbitration


# --- control scripts and markers' pauses (the chief) -------------------------------------------


def control_set(*, script: Script, chief: User, reference_mark, now: datetime | None = None) -> ControlScript:
    """Make ``script`` a control script (自测卷) with its reference mark, or change the reference."""
    now = now or timezone.now()
    if not is_chief_of(chief, script.item):
        raise PermissionDenied(_("只有本题的阅卷组长可以设置自测卷"))
    if not script.response:
        raise ValidationError(_("空白作答不能作为自测卷"))
    try:
        reference = Decimal(str(reference_mark).strip())
    except InvalidOperation:
        reference = None
    if reference is None or not reference.is_finite() or not 0 <= reference <= script.item.points:
        raise ValidationError(_("“参考分”应为 0–%(max)s 的数") % {"max": script.item.points})
    if reference != reference.quantize(Decimal("0.01")):
        raise ValidationError(_("“参考分”最多保留两位小数"))
    control, _created = ControlScript.objects.update_or_create(
        script=script, defaults={"reference_mark": reference, "by": chief, "created_at": now, "active": True}
    )
    return control


def control_remove(*, control: ControlScript, chief: User) -> ControlScript:
    if not is_chief_of(chief, control.script.item):
        raise PermissionDenied(_("只有本题的阅卷组长可以设置自测卷"))
    control.active = False
    control.save(update_fields=["active"])
    return control


@transaction.atomic
def marker_pause(
    *, sitting: Sitting, marker: User, chief: User, reason: str, now: datetime | None = None
) -> MarkerPause:
    """The chief stops a marker from taking scripts (with a reason); the script they hold goes back."""
    now = now or timezone.now()
    if not is_sitting_chief(chief, sitting):
        raise PermissionDenied(_("只有阅卷组长可以暂停阅卷员"))
    if not TeamMember.objects.filter(sitting=sitting, user=marker, is_chief=False).exists():
        raise ValidationError(_("%(name)s 不是本批次的阅卷员") % {"name": marker.display_name})
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写暂停原因"))
    if len(reason) > MAX_REASON:
        raise ValidationError(_("暂停原因不能超过 %(n)s 字") % {"n": MAX_REASON})
    existing = open_pause(sitting.pk, marker)
    if existing is not None:
        return existing
    pause = MarkerPause.objects.create(sitting=sitting, marker=marker, by=chief, reason=reason, at=now)
    _release_claims(sitting.pk, marker)
    return pause


def marker_resume(*, sitting: Sitting, marker: User, chief: User, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if not is_sitting_chief(chief, sitting):
        raise PermissionDenied(_("只有阅卷组长可以恢复阅卷员"))
    MarkerPause.objects.filter(sitting=sitting, marker=marker, resumed_at__isnull=True).update(
        resumed_at=now, resumed_by=chief
    )
