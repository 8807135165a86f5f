"""Pages of the written exam: the candidate's paper, and the written room's console for its examiners."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from certify.bad_input import posted_id
from certify.people.selectors import may_view_personal_data
from certify.people.tokens import page_token_issue
from certify.templatetags.certify_tags import end_time
from exams.live import written_room_roster, written_row_signature
from exams.planning.models import Enrollment, Room, RoomEvent
from exams.planning.selectors import room_examiners, sitting_rule
from exams.written.api import attempt_state_body
from exams.written.console import (
    attempt_end_for_misconduct,
    attempt_grant_extra_time,
    enrollment_mark_absent,
    room_pause,
    room_resume,
)
from exams.written.models import Attempt
from exams.written.selectors import written_states
from exams.written.services import attempt_finalize_if_expired, attempt_start


def room_console_page(request, room: Room):
    """A written room for its examiners: the live roster and the console (pause/resume, extra time,
    absence, misconduct), with the room's log."""
    # Nothing shown here is still 答题中 past its deadline + grace: the roster submits those first.
    roster = written_room_roster(room, timezone.now())
    rows = [
        {
            "signature": written_row_signature(r),
            "enrollment": r["record"],
            "attempt": r["attempt"],
            "remaining": r["remaining_seconds"],
            "last_save": r["last_saved_at"],
        }
        for r in roster["rows"]
    ]
    return render(
        request,
        "written/room_console.html",
        {
            "room": room,
            "examiners": room_examiners(room),
            "rows": rows,
            "paused": roster["paused"],
            "events": RoomEvent.objects.filter(room=room).select_related("actor", "enrollment__candidate")[:50],
            "event_count": RoomEvent.objects.filter(room=room).count(),
            "read_only": not room.assignments.filter(examiner=request.user).exists(),
            "show_personal_data": may_view_personal_data(request.user),
        },
    )


def room_console_action(request, room: Room):
    """POST one console action, each with a reason; back to the room page with the outcome."""
    action, reason = request.POST.get("action", ""), request.POST.get("reason", "")
    enrollment = None
    enrollment_id = posted_id(request.POST, "enrollment", required=False)
    if enrollment_id is not None:
        enrollment = get_object_or_404(Enrollment, pk=enrollment_id, sitting=room.sitting)
    try:
        if action == "pause":
            room_pause(room=room, by=request.user, reason=reason)
            messages.success(request, _("考场已暂停，所有考生的计时已停止。"))
        elif action == "resume":
            length = room_resume(room=room, by=request.user, reason=reason)
            messages.success(
                request, _("考场已恢复，每位考生的截止时间顺延 %(s)s 秒。") % {"s": int(length.total_seconds())}
            )
        elif action == "extra_time" and enrollment:
            minutes = int(request.POST.get("minutes") or 0)
            attempt_grant_extra_time(room=room, enrollment=enrollment, minutes=minutes, by=request.user, reason=reason)
            messages.success(
                request, _("已为 %(name)s 延长 %(m)s 分钟。") % {"name": enrollment.candidate.name, "m": minutes}
            )
        elif action == "absent" and enrollment:
            enrollment_mark_absent(room=room, enrollment=enrollment, by=request.user, reason=reason)
            messages.success(request, _("已将 %(name)s 标记为缺考。") % {"name": enrollment.candidate.name})
        elif action == "misconduct" and enrollment:
            attempt_end_for_misconduct(room=room, enrollment=enrollment, by=request.user, reason=reason)
            messages.success(request, _("已终止 %(name)s 的考试。") % {"name": enrollment.candidate.name})
        else:
            messages.error(request, _("未知操作"))
    except (ValidationError, ValueError) as exc:
        for message in getattr(exc, "messages", [str(exc)]):
            messages.error(request, message)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("my-room", room_id=room.pk)


def next_step(enrollment: Enrollment, now) -> dict:
    """What a candidate does after handing in the written paper, in words, and whether the
    practical session can be entered now."""
    sitting = enrollment.sitting
    if enrollment.practical_room_id is None:
        return {"next_step": _("成绩发布后可在首页查看。"), "practical_open": False}
    start = timezone.localtime(sitting.practical_start)
    is_open = sitting.status in ("in_progress", "marking") and sitting.practical_start <= now <= sitting.practical_end
    text = _("技能操作考试，%(start)s–%(end)s，%(room)s。") % {
        "start": start.strftime("%m月%d日 %H:%M"),
        "end": end_time(sitting.practical_end, sitting.practical_start),  # 「次日 02:07」 past midnight
        "room": enrollment.practical_room.name,
    }
    return {"next_step": text, "practical_open": is_open}


def exam_words() -> dict[str, str]:
    """Every word exam.js shows, translated here (``%(n)s`` and the like are filled in by the page)."""
    return {
        "single": _("单选"),
        "multiple": _("多选"),
        "situational": _("情景分析"),
        "points": _("%(p)s 分"),
        "question": _("第 %(n)s 题"),
        "answered_mark": _("（已答）"),
        "answer_label": _("第 %(n)s 题作答"),
        "flag": _("标记此题"),
        "prev": _("上一题"),
        "next": _("下一题"),
        "answered_count": _("已答 %(n)s / %(total)s 题"),
        "none_answered": _("尚未作答"),
        "start_offline": _("网络中断，未能开始答题，请检查网络后重试"),
        "saving": _("正在保存…"),
        "saved": _("已保存 %(time)s"),
        "unsaved": _("未保存，正在重试"),
        "save_failed": _("保存失败"),
        "signed_out": _("登录已失效，请重新登录后继续作答，已作答内容保存在本机"),
        "show_all": _("全部显示"),
        "one_at_a_time": _("逐题显示"),
        "unanswered": _("还有 %(n)s 题未作答：第 %(list)s 题。"),
        "all_answered": _("所有题目均已作答。"),
        "submit_offline": _("网络中断，交卷未完成，请恢复网络后重试"),
    }


def script_safe(data: bytes) -> SafeString:
    """JSON bytes to put inside ``<script type="application/json">``, escaped as Django's
    ``json_script`` escapes (``<``, ``>`` and ``&`` as ``\\u`` escapes, which JSON reads back
    unchanged): a stem reading ``</script>`` cannot end the element."""
    text = data.decode()
    return mark_safe(text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026"))


@method_decorator(never_cache, name="dispatch")
class ExamView(LoginRequiredMixin, View):
    """The candidate's written exam, one page: the start, the paper with the server's clock, then
    the summary.

    The page carries an API token of its own (``data-token``), bound to this session
    (``page_token_issue``): exam.js sends it, so the start, the saves and the clock are answered
    at the WSGI edge (``exams.written.fast_api``) like any token client's. The start page is
    opened before the exam begins; at 开始答题 the page asks the start API and draws the paper
    from its reply, so a whole sitting starting in the same minute costs a start each, not a
    page each. A reload draws it from the same JSON embedded in the page (``paper_state``).
    Never cached: it holds the key.
    """

    def _enrollment(self, request, enrollment_id: int) -> Enrollment:
        return get_object_or_404(
            Enrollment.objects.select_related("sitting", "candidate", "practical_room"),
            pk=enrollment_id,
            candidate__user=request.user,
        )

    def get(self, request, enrollment_id: int):
        enrollment = self._enrollment(request, enrollment_id)
        attempt = Attempt.objects.select_related("paper").filter(enrollment=enrollment).first()
        now = timezone.now()
        context = {"enrollment": enrollment, "attempt": attempt, "grace_seconds": settings.CERTIFY_SAVE_GRACE_SECONDS}
        if attempt is None:
            token = page_token_issue(
                session=request.session, user=request.user, until=enrollment.sitting.written_end, now=now
            )
            context.update(status="not_started", rule=sitting_rule(enrollment.sitting), token=token, words=exam_words())
            return render(request, "written/exam.html", context)
        attempt.enrollment = enrollment
        was_open = attempt.status == "in_progress"
        if attempt_finalize_if_expired(attempt=attempt) and was_open:
            attempt.refresh_from_db()  # submitted just now
        if attempt.status != "in_progress":
            # The summary only, without the paper: at the deadline every page of the sitting reloads to it.
            state = written_states([enrollment])[enrollment.pk]
            return render(
                request,
                "written/exam.html",
                {**context, "status": "submitted", "state": state, **next_step(enrollment, now)},
            )
        token = page_token_issue(session=request.session, user=request.user, until=attempt.deadline, now=now)
        context.update(
            status="in_progress", token=token, words=exam_words(), paper_state=script_safe(attempt_state_body(attempt))
        )
        return render(request, "written/exam.html", context)

    def post(self, request, enrollment_id: int):
        enrollment = self._enrollment(request, enrollment_id)
        try:
            attempt_start(enrollment=enrollment, user=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect("exam", enrollment_id=enrollment.pk)
