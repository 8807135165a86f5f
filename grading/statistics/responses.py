"""Every written response of a set of attempts, graded and mapped back through the candidate's
option shuffle: the one reading shared by the item analysis and the per-candidate export."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import NamedTuple

from exams.papers.models import Assembly, PaperItem
from exams.written.models import Answer, AttemptStatus
from grading.marking.models import Script
from grading.scoring.objective import grade_response, letter_index
from question_bank.models import OPTION_LETTERS, MultiplePolicy


class Response(NamedTuple):
    """One response (a tuple: 250,000 of them are made for a 5,000-candidate sitting)."""

    attempt_id: int
    position: int
    item_id: int
    version_id: int
    kind: str
    key: str  # the item's own option letters
    points: int
    shown: str  # the letters as shown to the candidate ("" when unanswered), or the situational text
    chosen: str  # the item's own option letters the candidate chose ("" when unanswered)
    earned: Decimal | None  # None: a situational answer not finally marked yet


def _own_letters(response, option_order) -> str:
    if not isinstance(response, list):
        return ""
    own = sorted(
        option_order[letter_index(letter)] for letter in response if 0 <= letter_index(letter) < len(option_order)
    )
    return "".join(OPTION_LETTERS[index] for index in own)


def responses(*, attempts) -> Iterator[Response]:
    """The graded responses of the submitted ``attempts`` (a queryset), attempt by attempt, in
    paper order. Read in batches of 500 attempts with four queries each."""
    attempt_rows = list(
        attempts.filter(status=AttemptStatus.SUBMITTED)
        .order_by("pk")
        .values_list("pk", "paper_id", "enrollment__sitting_id")
    )
    sittings = {sitting for _, _, sitting in attempt_rows}
    partial = {
        sitting_id: blueprint.get("multiple_policy", MultiplePolicy.STRICT) == MultiplePolicy.PARTIAL
        for sitting_id, blueprint in Assembly.objects.filter(sitting__in=sittings).values_list(
            "sitting_id", "blueprint"
        )
    }
    for start in range(0, len(attempt_rows), 500):
        batch = attempt_rows[start : start + 500]
        papers: dict[int, list[tuple]] = {}
        for paper_id, *item in (
            PaperItem.objects.filter(paper_id__in={paper for _, paper, _ in batch})
            .order_by("paper_id", "position")
            .values_list(
                "paper_id",
                "position",
                "item_version__item_id",
                "item_version_id",
                "item_version__type",
                "item_version__answer",
                "option_order",
                "points",
            )
        ):
            papers.setdefault(paper_id, []).append(item)
        ids = [pk for pk, _, _ in batch]
        given: dict[tuple[int, int], object] = {
            (attempt_id, position): response
            for attempt_id, position, response in Answer.objects.filter(attempt_id__in=ids).values_list(
                "attempt_id", "position", "response"
            )
        }
        marks: dict[tuple[int, int], Decimal | None] = {
            (attempt_id, position): mark
            for attempt_id, position, mark in Script.objects.filter(attempt_id__in=ids).values_list(
                "attempt_id", "position", "final_mark"
            )
        }
        for attempt_id, paper_id, sitting_id in batch:
            for position, item_id, version_id, kind, key, order, points in papers.get(paper_id, []):
                response = given.get((attempt_id, position))
                if kind == "situational":
                    text = response if isinstance(response, str) else ""
                    yield Response(
                        attempt_id,
                        position,
                        item_id,
                        version_id,
                        kind,
                        "",
                        points,
                        text,
                        "",
                        marks.get((attempt_id, position)),
                    )
                    continue
                earned = grade_response(kind, key, order, points, response, partial=partial.get(sitting_id, False))
                shown = "".join(response) if isinstance(response, list) else ""
                yield Response(
                    attempt_id,
                    position,
                    item_id,
                    version_id,
                    kind,
                    key,
                    points,
                    shown,
                    _own_letters(response, order),
                    earned,
                )
