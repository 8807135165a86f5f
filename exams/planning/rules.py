"""Rules of rooms: how candidates fill them, and the standard's examiner rules
(考评人员与考生的配比) applied to each."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from certify.standard.models import LevelRule
from exams.planning.models import Room, RoomKind


def room_turns(count: int, rooms: Sequence[Room], *, spread: bool) -> list[Room]:
    """The room of each of ``count`` candidates, in seating order, never past a room's capacity.

    Written rooms (``spread=False``) fill one after another in the order given; practical rooms
    (``spread=True``) take candidates in turn, so they share the candidates evenly. Fewer than
    ``count`` rooms come back when the seats run out.
    """
    turns: list[Room] = []
    if not spread:
        for room in rooms:
            turns.extend([room] * min(room.capacity, count - len(turns)))
        return turns
    left = {room.pk: room.capacity for room in rooms}
    index = 0
    while len(turns) < count and any(left.values()):
        room = rooms[index % len(rooms)]
        index += 1
        if left[room.pk]:
            left[room.pk] -= 1
            turns.append(room)
    return turns


@dataclass(frozen=True)
class RoomRule:
    room: Room
    candidates: int
    examiners: int
    ratio: int
    minimum: int
    has_chief: bool

    @property
    def required(self) -> int:
        return max(self.minimum, math.ceil(self.candidates / self.ratio))

    @property
    def missing(self) -> int:
        return max(0, self.required - self.examiners)

    @property
    def needs_chief(self) -> bool:
        return self.room.kind == RoomKind.PRACTICAL and not self.has_chief

    @property
    def ok(self) -> bool:
        return self.missing == 0 and not self.needs_chief

    def problems(self) -> list[str]:
        found = []
        if self.missing:
            found.append(
                _(
                    "%(kind)s考场「%(room)s」有考生 %(candidates)s 人、考评员 %(examiners)s 人；"
                    "按每 %(ratio)s 名考生 1 名考评员且每考场不少于 %(minimum)s 名的规定需要 %(required)s 名，"
                    "还差 %(missing)s 名"
                )
                % {
                    "kind": self.room.get_kind_display(),
                    "room": self.room.name,
                    "candidates": self.candidates,
                    "examiners": self.examiners,
                    "ratio": self.ratio,
                    "minimum": self.minimum,
                    "required": self.required,
                    "missing": self.missing,
                }
            )
        if self.needs_chief:
            found.append(_("实操考场「%(room)s」还没有指定考评组长") % {"room": self.room.name})
        return found


def room_rule(*, room: Room, rule: LevelRule, candidates: int, examiners: int, has_chief: bool) -> RoomRule:
    if room.kind == RoomKind.WRITTEN:
        ratio, minimum = rule.written_examiner_ratio, rule.written_min_examiners
    else:
        ratio = room.sitting.province.practical_examiner_ratio or rule.practical_examiner_ratio
        minimum = rule.practical_min_examiners
    return RoomRule(
        room=room, candidates=candidates, examiners=examiners, ratio=ratio, minimum=minimum, has_chief=has_chief
    )
