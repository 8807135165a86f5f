"""Seats and admission numbers (准考证号).

准考证号 is 10 digits: the sitting's code (5: two digits of the year and a
3-digit serial), the written room's number (2) and the seat (3). Example:
26003 + 02 + 017 → 2600302017 is seat 17 of written room 2 in sitting 26003.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction

from exams.planning.models import Enrollment, RoomKind, Sitting
from exams.planning.rules import room_turns
from exams.planning.selectors import active_enrollments


def admission_number(*, sitting_code: str, room_number: int, seat: int) -> str:
    return f"{sitting_code}{room_number:02d}{seat:03d}"


def interleave_by_hall(enrollments: list[Enrollment]) -> list[Enrollment]:
    """An order in which neighbours come from different halls wherever the numbers allow.

    Greedy: always take from the hall with the most candidates left that is not
    the previous one (ties by hall id, so the order is deterministic).
    """
    by_hall: dict[int, list[Enrollment]] = defaultdict(list)
    for enrollment in sorted(enrollments, key=lambda e: e.pk):
        by_hall[enrollment.candidate.hall_id].append(enrollment)
    order: list[Enrollment] = []
    previous = None
    while by_hall:
        ranked = sorted(by_hall, key=lambda hall: (-len(by_hall[hall]), hall))
        hall = next((h for h in ranked if h != previous), ranked[0])
        order.append(by_hall[hall].pop(0))
        if not by_hall[hall]:
            del by_hall[hall]
        previous = hall
    return order


@transaction.atomic
def seats_allocate(*, sitting: Sitting) -> int:
    """Give every enrolled candidate a written room, seat, admission number and practical room.

    Written rooms fill in order of their numbers; practical rooms share the candidates
    in turn. The caller checks capacity first (``schedule_problems``). Returns how many were seated.
    """
    enrollments = list(active_enrollments(sitting).select_related("candidate"))
    order = interleave_by_hall(enrollments)
    written = list(sitting.rooms.filter(kind=RoomKind.WRITTEN).order_by("number"))
    practical = list(sitting.rooms.filter(kind=RoomKind.PRACTICAL).order_by("number"))
    # Clear first: seats and admission numbers are unique and may be reshuffled.
    sitting.enrollments.update(written_room=None, seat=None, practical_room=None, admission_no=None)

    seats: dict[int, int] = {}
    written_turns = room_turns(len(order), written, spread=False)
    practical_turns = room_turns(len(order), practical, spread=True)
    for enrollment, room, practical_room in zip(order, written_turns, practical_turns, strict=True):
        seats[room.pk] = seat = seats.get(room.pk, 0) + 1
        enrollment.written_room, enrollment.seat, enrollment.practical_room = room, seat, practical_room
        enrollment.admission_no = admission_number(sitting_code=sitting.code, room_number=room.number, seat=seat)
    Enrollment.objects.bulk_update(order, ["written_room", "seat", "admission_no", "practical_room"], batch_size=1000)
    return len(order)
