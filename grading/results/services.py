"""Writes of the results: room sign-off, the one atomic publication, re-scores and 复核 requests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certify.people.models import User
from exams.planning.models import Room, Sitting, SittingStatus
from grading.certificates.models import Certificate, CertificateStatus
from grading.certificates.services import certificate_revoke, certificates_issue
from grading.results.models import Outcome, Part, ReScore, Result, ReviewRequest, ReviewStatus, RoomSignOff
from grading.results.selectors import may_sign_off, publication_blockers, room_blockers, sitting_results
from grading.scoring.result import result_decide, result_rules


def room_sign_off(*, room: Room, by: User, now: dt.datetime | None = None) -> RoomSignOff:
    """The chief examiner signs the room off; refused, with the reasons, while anything is open."""
    now = now or timezone.now()
    if not may_sign_off(by, room):
        raise PermissionDenied(_("只有该考场的考评组长可以签认"))
    with transaction.atomic():
        room = Room.objects.select_for_update().select_related("sitting").get(pk=room.pk)
        if room.sitting.status != SittingStatus.MARKING:
            raise ValidationError(_("批次尚未进入阅卷阶段，不能签认考场"))
        blockers = room_blockers(room)
        if blockers:
            raise ValidationError(blockers)
        sign_off, _created = RoomSignOff.objects.get_or_create(room=room, defaults={"by": by, "at": now})
    return sign_off


def _rules(sitting: Sitting):
    return sitting.standard_version.rule_for(sitting.level)


@transaction.atomic
def sitting_publish(*, sitting: Sitting, by: User, now: dt.datetime | None = None) -> int:
    """Publish every result and every certificate of ``sitting`` in one transaction; returns how many
    results. Locks the sitting row: a second publication waits and then finds it published.

    Refused, naming every blocker, unless the sitting is in marking and every room is signed off.
    """
    now = now or timezone.now()
    sitting = (
        Sitting.objects.select_for_update(of=("self",))
        .select_related("province", "standard_version")
        .get(pk=sitting.pk)
    )
    blockers = publication_blockers(sitting)
    if blockers:
        raise ValidationError(blockers)
    rule = _rules(sitting)
    computed = sitting_results(sitting, now=now)
    results = Result.objects.bulk_create(
        [
            Result(
                sitting=sitting,
                enrollment=c.enrollment,
                candidate_id=c.enrollment.candidate_id,
                level=sitting.level,
                **c.decision.scores(),
                written_pass_mark=rule.written_pass_mark,
                practical_pass_mark=rule.practical_pass_mark,
                outcome=c.decision.outcome,
                detail=c.decision.detail[:300],
                published=True,
                published_at=now,
                updated_at=now,
            )
            for c in computed
        ],
        batch_size=1000,
    )
    passes = [result for result in results if result.outcome == Outcome.PASSED]
    certificates_issue(results=passes, now=now, valid_years=rule.certificate_valid_years)
    Sitting.objects.filter(pk=sitting.pk).update(status=SittingStatus.PUBLISHED)
    return len(results)


# --- after publication: re-scores and 复核 requests ------------------------------------------------------


def _decimal(value) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("新分数必须是 0–100 之间的数字")) from None
    if not number.is_finite() or not 0 <= number <= 100 or number != number.quantize(Decimal("0.01")):
        raise ValidationError(_("新分数必须是 0–100 之间的数字，最多两位小数"))
    return number


def result_rescore(
    *,
    result: Result,
    part: str,
    new,
    reason: str,
    by: User,
    now: dt.datetime | None = None,
    request: ReviewRequest | None = None,
) -> ReScore:
    """Change one part's score of a published result (复核/更正), recorded: who, when, why, old → new.

    The result is recomputed with the sitting's frozen rules; a candidate who now passes gets a
    certificate, one who no longer passes has theirs revoked with the reason. Locks the result row.
    """
    now = now or timezone.now()
    if part not in Part.values:
        raise ValidationError(_("未知的成绩部分：%(part)s") % {"part": part})
    number = _decimal(new)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写更正原因"))
    with transaction.atomic():
        result = Result.objects.select_for_update().select_related("sitting__province").get(pk=result.pk)
        if not result.published:
            raise ValidationError(_("成绩尚未发布，不能更正"))
        if result.outcome in (Outcome.ABSENT, Outcome.MISCONDUCT):
            raise ValidationError(_("缺考或违纪的成绩不能更正分数"))
        rule = _rules(result.sitting)
        old = getattr(result, part)
        before = result.outcome
        setattr(result, part, number)
        decision = result_decide(
            rules=result_rules(rule),
            objective=result.objective,
            situational=result.situational,
            typing=result.typing,
            business=result.business,
            scene=result.scene,
        )
        for name, value in decision.scores().items():
            setattr(result, name, value)
        result.outcome, result.detail, result.updated_at = decision.outcome, decision.detail[:300], now
        result.save()
        rescore = ReScore.objects.create(
            result=result,
            part=part,
            old=old,
            new=number,
            reason=reason,
            by=by,
            at=now,
            outcome_before=before,
            outcome_after=result.outcome,
            request=request,
        )
        valid = Certificate.objects.filter(result=result, status=CertificateStatus.VALID).first()
        if result.outcome == Outcome.PASSED and valid is None:
            certificates_issue(results=[result], now=now, valid_years=rule.certificate_valid_years)
        elif result.outcome != Outcome.PASSED and valid is not None:
            certificate_revoke(
                certificate=valid,
                by=by,
                reason=_("成绩更正后不再合格：%(reason)s") % {"reason": reason},
                now=now,
            )
    return rescore


def review_deadline(result: Result) -> dt.datetime:
    return result.published_at + dt.timedelta(days=_rules(result.sitting).review_window_days)


def review_request_create(*, result: Result, by: User, reason: str, now: dt.datetime | None = None) -> ReviewRequest:
    """A candidate asks for a 复核 of their own published result, within the window after publication."""
    now = now or timezone.now()
    if getattr(by, "candidate", None) is None or by.candidate.pk != result.candidate_id:
        raise PermissionDenied(_("只能对本人的成绩申请复核"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写申请复核的理由"))
    if len(reason) > 1000:
        raise ValidationError(_("申请理由不能超过 1000 字"))
    if not result.published:
        raise ValidationError(_("成绩尚未发布"))
    deadline = review_deadline(result)
    if now > deadline:
        raise ValidationError(
            _("复核申请期限已过：成绩发布后 %(days)s 天内可以申请，截止时间为 %(deadline)s")
            % {
                "days": _rules(result.sitting).review_window_days,
                "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
            }
        )
    with transaction.atomic():
        Result.objects.select_for_update().get(pk=result.pk)
        if ReviewRequest.objects.filter(result=result, status=ReviewStatus.OPEN).exists():
            raise ValidationError(_("已有一份复核申请正在处理，请等待答复"))
        return ReviewRequest.objects.create(result=result, reason=reason, requested_at=now)


def review_request_answer(
    *, request: ReviewRequest, by: User, answer: str, now: dt.datetime | None = None
) -> ReviewRequest:
    """The admin or a chief examiner answers a 复核 request; the candidate sees the answer."""
    now = now or timezone.now()
    if not (by.is_cert_admin or by.is_chief_examiner):
        raise PermissionDenied(_("只有认证管理员或考评组长可以答复复核申请"))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError(_("请填写答复"))
    updated = ReviewRequest.objects.filter(pk=request.pk, status=ReviewStatus.OPEN).update(
        status=ReviewStatus.ANSWERED, answer=answer[:2000], answered_by=by, answered_at=now
    )
    if not updated:
        raise ValidationError(_("该复核申请已答复"))
    request.refresh_from_db()
    return request
