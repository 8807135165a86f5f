"""Reads of the written paper for the pages that show where a candidate stands: one state,
the same on the exam page, the home page and after a reload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from exams.papers.models import PaperItem
from exams.planning.models import Enrollment
from exams.written.models import Answer, Attempt, AttemptStatus


def answered(response) -> bool:
    """A saved answer counts as answered when it holds a letter or some text."""
    if isinstance(response, list):
        return bool(response)
    return isinstance(response, str) and bool(response.strip())


@dataclass(frozen=True)
class WrittenState:
    attempt_id: int
    submitted: bool
    submitted_at: datetime | None
    answered: int
    questions: int

    @property
    def submitted_local(self) -> datetime | None:
        return timezone.localtime(self.submitted_at) if self.submitted_at else None


def written_states(enrollments: list[Enrollment]) -> dict[int, WrittenState]:
    """The written attempt of each enrolment that has one, by enrolment id: submitted or not,
    when, and how many of its questions were answered. Three queries whatever the count."""
    attempts = list(Attempt.objects.filter(enrollment__in=enrollments))
    if not attempts:
        return {}
    counts: dict[int, int] = {}
    for attempt_id, response in Answer.objects.filter(attempt__in=attempts).values_list("attempt_id", "response"):
        counts[attempt_id] = counts.get(attempt_id, 0) + answered(response)
    sizes: dict[int, int] = {}
    for paper_id in PaperItem.objects.filter(paper_id__in=[a.paper_id for a in attempts]).values_list(
        "paper_id", flat=True
    ):
        sizes[paper_id] = sizes.get(paper_id, 0) + 1
    return {a.enrollment_id: written_state(a, counts.get(a.pk, 0), sizes.get(a.paper_id, 0)) for a in attempts}


def written_state(attempt: Attempt, answered_count: int, questions: int) -> WrittenState:
    """One attempt's state from what the caller has already read (the exam page: its answers and
    the cached paper)."""
    return WrittenState(
        attempt_id=attempt.pk,
        submitted=attempt.status == AttemptStatus.SUBMITTED,
        submitted_at=attempt.submitted_at,
        answered=answered_count,
        questions=questions,
    )
