"""``{% publication_panel sitting %}``: the sitting page's results box (what blocks publication, by
name, and the link to the results page). Loaded by name from exams' template, so exams imports
nothing of grading."""

from django import template

from exams.planning.models import SittingStatus
from grading.results.selectors import publication_blockers

register = template.Library()


@register.inclusion_tag("results/_publication_panel.html")
def publication_panel(sitting):
    shown = sitting.status in (SittingStatus.MARKING, SittingStatus.PUBLISHED, SittingStatus.CLOSED)
    return {
        "sitting": sitting,
        "shown": shown,
        "blockers": publication_blockers(sitting) if sitting.status == SittingStatus.MARKING else [],
    }
