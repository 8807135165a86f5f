"""Item analysis of a sitting's written papers, stored with the bank's items (flags included)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from exams.planning.models import Sitting
from exams.written.models import Attempt
from grading.statistics.item_analysis import MIN_RESPONSES, Analysis, ItemInfo, item_analysis
from grading.statistics.responses import responses
from question_bank.models import ItemStatistics, ItemVersion


def sittings_item_analysis(*, sittings: Iterable[Sitting], min_responses: int = MIN_RESPONSES) -> Analysis:
    """Item analysis over the submitted attempts of ``sittings``, by item version (a version's
    options and key are what its letters mean)."""
    attempts = Attempt.objects.filter(enrollment__sitting__in=list(sittings))
    graded = [
        (r.attempt_id, r.position, r.version_id, None if r.earned is None else float(r.earned), r.points, r.chosen)
        for r in responses(attempts=attempts)
    ]
    versions = ItemVersion.objects.filter(pk__in={row[2] for row in graded}).values_list(
        "pk", "type", "answer", "options"
    )
    items = {pk: ItemInfo(kind=kind, key=key, options=len(options or [])) for pk, kind, key, options in versions}
    return item_analysis(items=items, responses=graded, min_responses=min_responses)


def item_analysis_store(
    *, sitting: Sitting, now: datetime | None = None, min_responses: int = MIN_RESPONSES
) -> Analysis:
    """Analyse ``sitting`` and replace its figures on the bank's items (flags included)."""
    analysis = sittings_item_analysis(sittings=[sitting], min_responses=min_responses)
    now = now or timezone.now()
    rows = [
        ItemStatistics(
            item_version_id=figures.item_id,
            sitting_id=sitting.pk,
            sitting_label=f"{sitting.code} {sitting.name}",
            responses=figures.responses,
            facility=figures.facility,
            point_biserial=figures.point_biserial,
            upper_lower=figures.upper_lower,
            options=[
                {"letter": o.letter, "is_key": o.is_key, "upper": o.upper, "lower": o.lower} for o in figures.options
            ],
            flags=figures.flags,
            computed_at=now,
        )
        for figures in analysis.items
        if not figures.too_few
    ]
    with transaction.atomic():
        ItemStatistics.objects.filter(sitting_id=sitting.pk).delete()
        ItemStatistics.objects.bulk_create(rows, batch_size=500)
    return analysis
