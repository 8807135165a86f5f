"""Reads of papers: the paper as the candidate sees it."""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict

from django.core.cache import cache

from certify.rendering import encodable
from exams.papers.models import Paper, PaperItem
from question_bank.models import OPTION_LETTERS, ItemVersion

logger = logging.getLogger(__name__)


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


# A paper never changes after assembly, so its JSON is built once: per process (the last
# PAPER_CACHE_SIZE papers) and in the shared cache (Redis in production), keyed by the paper's
# id and fingerprint (a reused id, as in a rolled-back test database, never serves another
# paper). A whole sitting starting in the same minute reads it from memory.
PAPER_CACHE_SIZE = 4096
PAPER_CACHE_SECONDS = 24 * 3600
_paper_json: OrderedDict[tuple[int, str], bytes] = OrderedDict()
_paper_json_lock = threading.Lock()


def paper_questions_json(paper_id: int, fingerprint: str) -> bytes:
    """``paper_questions(paper_id)`` as compact UTF-8 JSON, built once per paper."""
    key = (paper_id, fingerprint)
    with _paper_json_lock:
        found = _paper_json.get(key)
        if found is not None:
            _paper_json.move_to_end(key)
            return found
    shared_key = f"paper-questions:{paper_id}:{fingerprint}"
    found = _shared(cache.get, shared_key)
    if found is None:
        text = json.dumps(paper_questions(paper_id), ensure_ascii=False, separators=(",", ":"))
        found = encodable(text).encode()
        _shared(cache.set, shared_key, found, PAPER_CACHE_SECONDS)
    with _paper_json_lock:
        _paper_json[key] = found
        if len(_paper_json) > PAPER_CACHE_SIZE:
            _paper_json.popitem(last=False)
    return found


def _shared(operation, *args):
    """A shared-cache call that never fails the request: with Redis down a candidate still
    starts (the paper is built from the database), as saving and submitting do."""
    try:
        return operation(*args)
    except Exception:  # the cache backend's connection errors: redis.exceptions.*, OSError
        logger.warning("shared cache unavailable for the paper's JSON", exc_info=True)
        return None


def papers_json_warm(*, sitting_id: int, batch: int = 500) -> int:
    """Build every paper of the sitting as ``paper_questions_json`` would and put it in the shared
    cache, so the start minute reads papers instead of building them (each paper is read by one
    candidate: the per-process cache alone never saves its first build). Runs as a task when
    the sitting starts; the start builds any paper still missing. Returns the papers cached."""
    papers = list(Paper.objects.filter(enrollment__sitting_id=sitting_id).values_list("pk", "fingerprint"))
    versions: dict[int, tuple] = {}
    done = 0
    for start in range(0, len(papers), batch):
        chunk = dict(papers[start : start + batch])
        rows = (
            PaperItem.objects.filter(paper_id__in=chunk)
            .order_by("paper_id", "position")
            .values_list("paper_id", "position", "item_version_id", "points", "option_order")
        )
        items: dict[int, list] = {}
        for paper_id, position, version_id, points, order in rows:
            items.setdefault(paper_id, []).append((position, version_id, points, order))
        missing = {v for rows_ in items.values() for _p, v, _pt, _o in rows_} - versions.keys()
        for pk, kind, case, stem, options in ItemVersion.objects.filter(pk__in=missing).values_list(
            "pk", "type", "case", "stem", "options"
        ):
            versions[pk] = (kind, case, stem, options)
        ready = {}
        for paper_id, paper_items in items.items():
            questions = [
                {
                    "position": position,
                    "type": versions[version_id][0],
                    "case": versions[version_id][1],
                    "stem": versions[version_id][2],
                    "points": points,
                    "options": [
                        {"letter": OPTION_LETTERS[shown], "text": versions[version_id][3][original]}
                        for shown, original in enumerate(order)
                    ],
                }
                for position, version_id, points, order in paper_items
            ]
            text = json.dumps(questions, ensure_ascii=False, separators=(",", ":"))
            ready[f"paper-questions:{paper_id}:{chunk[paper_id]}"] = encodable(text).encode()
        _shared(cache.set_many, ready, PAPER_CACHE_SECONDS)
        done += len(ready)
    return done
