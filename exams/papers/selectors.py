"""Reads of papers: the paper as the candidate sees it."""

from __future__ import annotations

from exams.papers.models import PaperItem
from question_bank.models import OPTION_LETTERS


def paper_questions(paper_id: int) -> list[dict]:
    """The paper in order, as the candidate sees it: options in the paper's shuffled order under
    the letters shown. Never the key (grading maps the shown letters back on the server)."""
    items = PaperItem.objects.filter(paper_id=paper_id).select_related("item_version").order_by("position")
    return [
        {
            "position": item.position,
            "type": item.item_version.type,
            "case": item.item_version.case,
            "stem": item.item_version.stem,
            "points": item.points,
            "options": [
                {"letter": OPTION_LETTERS[shown], "text": item.item_version.options[original]}
                for shown, original in enumerate(item.option_order)
            ],
        }
        for item in items
    ]
