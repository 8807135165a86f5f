"""A sitting's status flow after planning: scheduling (seats, frozen rules, paper assembly) and
the start of the exam day. One service per action, and one table of actions that the sitting
page and the API both dispatch through.

draft → enrolling (``exams.planning.services.sitting_open_enrolment``) → scheduled
(``sitting_schedule``) → in progress (``sitting_start``) → marking (``sitting_written_close``, by
itself: no one presses a button for it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certify.jobs import enqueue_on_commit
from certify.people.models import User
from certify.standard.selectors import standard_current
from exams.clock import is_over
from exams.papers.models import Assembly, AssemblyStatus
from exams.papers.services import assembly_prepare
from exams.planning.models import Sitting, SittingStatus
from exams.planning.seating import seats_allocate
from exams.planning.services import schedule_problems, sitting_open_enrolment
from exams.written.models import Attempt, AttemptStatus
from exams.written.services import attempts_finalize_expired


@transaction.atomic
def sitting_schedule(*, sitting: Sitting, by: User | None, seed: int | None = None) -> Sitting:
    """enrolling → scheduled: seats and admission numbers, the standard and blueprint frozen, assembly queued.

    Refused, with every reason, while a room breaks the examiner rules, seats are short
    or the bank cannot fill the blueprint; nothing is written then.
    """
    sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
    problems = schedule_problems(sitting)
    if problems:
        raise ValidationError(problems)
    seats_allocate(sitting=sitting)
    sitting.standard_version = standard_current()
    sitting.status = SittingStatus.SCHEDULED
    sitting.save(update_fields=["standard_version", "status"])
    assembly_prepare(sitting=sitting, seed=seed)
    enqueue_on_commit("exams.tasks.assemble_papers", sitting.pk)
    return sitting


@transaction.atomic
def assembly_retry(*, sitting: Sitting, by: User | None = None) -> Sitting:
    """Queue a failed paper assembly again (the recipe frozen at scheduling is kept, so the papers
    already written stay and only the missing ones are written). Refused unless it failed."""
    sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
    assembly = Assembly.objects.select_for_update().filter(sitting=sitting).first()
    if sitting.status != SittingStatus.SCHEDULED or assembly is None:
        raise ValidationError(_("只有已排考、尚未开考的考试批次可以重新组卷"))
    if assembly.status != AssemblyStatus.FAILED:
        raise ValidationError(
            _("组卷状态为“%(status)s”，没有失败，无需重新组卷") % {"status": assembly.get_status_display()}
        )
    Assembly.objects.filter(pk=assembly.pk).update(status=AssemblyStatus.RUNNING, error="")
    enqueue_on_commit("exams.tasks.assemble_papers", sitting.pk)
    return sitting


@transaction.atomic
def sitting_start(*, sitting: Sitting, by: User | None = None) -> Sitting:
    """scheduled → in progress, once every paper is assembled."""
    sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
    problems = []
    if sitting.status != SittingStatus.SCHEDULED:
        problems.append(_("只有已排考的考试批次可以开考"))
    assembly = Assembly.objects.filter(sitting=sitting).first()
    if assembly is not None and assembly.status == AssemblyStatus.FAILED:
        problems.append(_("组卷失败，请先在本页点击“重新组卷”：%(error)s") % {"error": assembly.error})
    elif assembly is None or assembly.status != AssemblyStatus.DONE:
        problems.append(
            _("试卷尚未组完：%(done)s / %(total)s")
            % {"done": assembly.done if assembly else 0, "total": assembly.total if assembly else 0}
        )
    if problems:
        raise ValidationError(problems)
    sitting.status = SittingStatus.IN_PROGRESS
    sitting.save(update_fields=["status"])
    # Only sooner: a start builds its paper itself if the shared cache does not have it.
    enqueue_on_commit("exams.tasks.warm_papers", sitting.pk, quiet=True)
    return sitting


def sitting_written_close(*, sitting: Sitting, now=None) -> Sitting:
    """in progress → marking (阅卷中), once the written window is over: its end and the save grace
    have passed and every attempt is submitted (an attempt in a paused room keeps it open until
    the room resumes and its time runs out).

    Nobody presses a button for it: the marking sweep (Celery beat) and every read of the sitting's
    marking pages call this, whichever comes first; calling it early or twice changes nothing.
    The practical session goes on in 阅卷中 within its own window.
    """
    now = now or timezone.now()
    if sitting.status != SittingStatus.IN_PROGRESS or not is_over(sitting.written_end, now):
        return sitting
    attempts_finalize_expired(now=now)
    with transaction.atomic():
        sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
        open_attempts = Attempt.objects.filter(enrollment__sitting=sitting, status=AttemptStatus.IN_PROGRESS)
        if sitting.status != SittingStatus.IN_PROGRESS or open_attempts.exists():
            return sitting
        sitting.status = SittingStatus.MARKING
        sitting.save(update_fields=["status"])
    return sitting


@dataclass(frozen=True)
class SittingAction:
    """One step of the status flow as the page and the API offer it."""

    slug: str
    run: Callable[..., Sitting]  # run(sitting=…, by=…) → the sitting after the step
    done: str  # what the page says once it is done


def _open_enrolment(*, sitting: Sitting, by: User | None) -> Sitting:
    return sitting_open_enrolment(sitting=sitting)


SITTING_ACTIONS = {
    action.slug: action
    for action in (
        SittingAction("open", _open_enrolment, gettext_lazy("已开始报名。")),
        SittingAction("schedule", sitting_schedule, gettext_lazy("已排考：座位和准考证号已生成，试卷正在组卷。")),
        SittingAction("start", sitting_start, gettext_lazy("考试已开始。")),
        SittingAction("retry-assembly", assembly_retry, gettext_lazy("已重新开始组卷。")),
    )
}
