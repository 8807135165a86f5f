"""The exam day as it happens, for the pages that follow it without reloading (issue 15, point 7):
the admin's live view of a sitting (per room: who has not started, is answering, has handed in,
is absent or was stopped for misconduct; the last activity; incidents; the practical progress)
and the written room console's roster, both polled as small JSON documents every few seconds.

Reads only, after submitting whatever is past its time (``parts_finalize_expired``), so nothing
shown is still open past its deadline and grace.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exams.clock import SubmittedBy
from exams.planning.models import Enrollment, EnrollmentStatus, Room, RoomAction, RoomEvent, RoomKind, Sitting
from exams.practical.models import BusinessAttempt, BusinessTask, PartStatus, SceneRun, SceneScore, TypingAttempt
from exams.practical.scenes import scene_round_states
from exams.sweep import parts_finalize_expired
from exams.written.models import Answer, Attempt, AttemptStatus, RoomPause
from exams.written.services import attempt_remaining_seconds

# A candidate who left the exam page this many times is listed among the room's incidents.
FOCUS_LOSS_ALERT = 3
INCIDENT_ACTIONS = (
    RoomAction.PAUSE,
    RoomAction.RESUME,
    RoomAction.EXTRA_TIME,
    RoomAction.MISCONDUCT,
    RoomAction.ABSENT,
)
WRITTEN_STATES = ("not_started", "in_progress", "submitted", "absent", "misconduct")
STATE_LABELS = {
    "not_started": gettext_lazy("未开始"),
    "in_progress": gettext_lazy("答题中"),
    "submitted": gettext_lazy("已交卷"),
    "absent": gettext_lazy("缺考"),
    "misconduct": gettext_lazy("违纪终止"),
}


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _latest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def written_state(enrollment: Enrollment, attempt: Attempt | None) -> str:
    if enrollment.status == EnrollmentStatus.ABSENT:
        return "absent"
    if attempt is None:
        return "not_started"
    if attempt.status == AttemptStatus.IN_PROGRESS:
        return "in_progress"
    return "misconduct" if attempt.submitted_by == SubmittedBy.MISCONDUCT else "submitted"


def _enrollments(room: Room):
    field = "written_room" if room.kind == RoomKind.WRITTEN else "practical_room"
    return (
        Enrollment.objects.filter(**{field: room})
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .select_related("candidate")
        .order_by("seat", "admission_no")
    )


def _events(room: Room, limit: int = 10) -> list[dict]:
    events = (
        RoomEvent.objects.filter(room=room, action__in=INCIDENT_ACTIONS)
        .select_related("actor", "enrollment__candidate")
        .order_by("-at", "-id")[:limit]
    )
    return [
        {
            "at": _iso(e.at),
            "action": e.action,
            "text": " ".join(
                part
                for part in (
                    e.get_action_display(),
                    e.enrollment.candidate.name if e.enrollment else "",
                    e.detail,
                    f"（{e.reason}）",
                )
                if part
            ),
            "by": e.actor.display_name,
        }
        for e in events
    ]


def written_room_roster(room: Room, now: datetime | None = None) -> dict:
    """The written console's roster as the page shows it, and what each row allows: the page
    renders these rows (``record``, ``attempt``, ``last_saved_at``) and the live API sends their
    signatures, so both read the room once, the same way."""
    now = now or timezone.now()
    parts_finalize_expired(written_room=room, now=now)
    enrollments = list(_enrollments(room))
    attempts = {a.enrollment_id: a for a in Attempt.objects.filter(enrollment__in=enrollments)}
    last_saves = dict(
        Answer.objects.filter(attempt__in=attempts.values())
        .values("attempt_id")
        .annotate(last=Max("saved_at"))
        .values_list("attempt_id", "last")
    )
    paused = RoomPause.objects.filter(room=room, ended_at__isnull=True).exists()
    rows = []
    for enrollment in enrollments:
        attempt = attempts.get(enrollment.pk)
        state = written_state(enrollment, attempt)
        actions = {"not_started": ["absent"], "in_progress": ["extra_time", "misconduct"]}.get(state, [])
        rows.append(
            {
                "enrollment": enrollment.pk,
                "record": enrollment,
                "attempt": attempt,
                "last_saved_at": last_saves.get(attempt.pk) if attempt else None,
                "admission_no": enrollment.admission_no,
                "state": state,
                "state_display": attempt.get_submitted_by_display()
                if state in ("submitted", "misconduct")
                else str(STATE_LABELS[state]),
                "remaining_seconds": attempt_remaining_seconds(attempt, now) if state == "in_progress" else None,
                "last_save": _iso(last_saves.get(attempt.pk)) if attempt else None,
                "focus_losses": attempt.focus_losses if attempt else None,
                "pastes": attempt.pastes if attempt else None,
                "actions": actions,
            }
        )
    return {
        "room": room.pk,
        "server_time": _iso(now),
        "paused": paused,
        "rows": rows,
    }


def written_row_signature(row: dict) -> str:
    """What a console row shows, as one string: it changes exactly when the row's cells would."""
    remaining = row["remaining_seconds"]
    minutes = remaining // 60 if remaining is not None else None
    return repr((row["state"], minutes, row["last_save"], row["focus_losses"], row["pastes"], tuple(row["actions"])))


def _written_summary(room: Room, now: datetime) -> dict:
    enrollments = list(_enrollments(room))
    attempts = {a.enrollment_id: a for a in Attempt.objects.filter(enrollment__in=enrollments)}
    counts = dict.fromkeys(WRITTEN_STATES, 0)
    for enrollment in enrollments:
        counts[written_state(enrollment, attempts.get(enrollment.pk))] += 1
    last_save = Answer.objects.filter(attempt__in=attempts.values()).aggregate(last=Max("saved_at"))["last"]
    last_event = RoomEvent.objects.filter(room=room).aggregate(last=Max("at"))["last"]
    moments = [a.started_at for a in attempts.values()] + [a.submitted_at for a in attempts.values()]
    incidents = _events(room)
    names = {e.pk: e.candidate.name for e in enrollments}
    for attempt in attempts.values():
        if attempt.focus_losses >= FOCUS_LOSS_ALERT:
            incidents.append(
                {
                    "at": None,
                    "action": "focus_loss",
                    "text": _("%(name)s 离开答题页面 %(n)s 次")
                    % {"name": names[attempt.enrollment_id], "n": attempt.focus_losses},
                    "by": "",
                }
            )
    pause = RoomPause.objects.filter(room=room, ended_at__isnull=True).exists()
    return {
        "counts": counts,
        "paused": pause,
        "last_activity": _iso(_latest(last_save, last_event, *moments)),
        "incidents": incidents,
    }


def _part_counts(parts: dict[int, object], enrollments: list[Enrollment]) -> dict:
    counts = {"not_started": 0, "in_progress": 0, "submitted": 0}
    for enrollment in enrollments:
        part = parts.get(enrollment.pk)
        if enrollment.practical_absent:
            continue
        key = (
            "not_started" if part is None else ("in_progress" if part.status == PartStatus.IN_PROGRESS else "submitted")
        )
        counts[key] += 1
    return counts


def _practical_summary(room: Room, now: datetime) -> dict:
    enrollments = list(_enrollments(room).select_related("sitting"))
    typing = {t.enrollment_id: t for t in TypingAttempt.objects.filter(enrollment__in=enrollments)}
    business = {b.enrollment_id: b for b in BusinessAttempt.objects.filter(enrollment__in=enrollments)}
    runs = list(SceneRun.objects.filter(enrollment__in=enrollments).select_related("enrollment__sitting"))
    scenes = {"not_started": 0, "scoring": 0, "review": 0, "scored": 0}
    for state in scene_round_states(runs).values():
        scenes[state.status] += 1
    scenes["not_started"] = sum(1 for e in enrollments if not e.practical_absent) - len(runs)
    names = {e.pk: e.candidate.name for e in enrollments}
    incidents = _events(room)
    for part in typing.values():
        if part.focus_losses >= FOCUS_LOSS_ALERT or part.pastes:
            incidents.append(
                {
                    "at": None,
                    "action": "focus_loss",
                    "text": _("%(name)s 文字阅录：离开页面 %(f)s 次，粘贴 %(p)s 次")
                    % {"name": names[part.enrollment_id], "f": part.focus_losses, "p": part.pastes},
                    "by": "",
                }
            )
    moments = [t.saved_at for t in typing.values()] + [t.submitted_at for t in typing.values()]
    moments += [b.started_at for b in business.values()]
    moments.append(
        BusinessTask.objects.filter(attempt__in=business.values()).aggregate(last=Max("submitted_at"))["last"]
    )
    moments.append(SceneScore.objects.filter(run__in=runs).aggregate(last=Max("submitted_at"))["last"])
    moments.append(RoomEvent.objects.filter(room=room).aggregate(last=Max("at"))["last"])
    return {
        "candidates": len(enrollments),
        "absent": sum(1 for e in enrollments if e.practical_absent),
        "typing": _part_counts(typing, enrollments),
        "business": _part_counts(business, enrollments),
        "scenes": scenes,
        "last_activity": _iso(_latest(*moments)),
        "incidents": incidents,
    }


def sitting_live(sitting: Sitting, now: datetime | None = None) -> dict:
    """Every room of the sitting as it stands now (the admin's live view)."""
    now = now or timezone.now()
    parts_finalize_expired(sitting=sitting, now=now)
    rooms = []
    for room in Room.objects.filter(sitting=sitting).order_by("kind", "name"):
        entry = {"id": room.pk, "name": room.name, "kind": room.kind, "console_url": f"/my/rooms/{room.pk}/"}
        if room.kind == RoomKind.WRITTEN:
            entry["written"] = _written_summary(room, now)
        else:
            entry["practical"] = _practical_summary(room, now)
        rooms.append(entry)
    return {"sitting": sitting.pk, "status": sitting.status, "server_time": _iso(now), "rooms": rooms}
