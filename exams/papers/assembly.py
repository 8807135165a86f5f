"""Paper assembly as pure functions: from a seed, the pools of eligible items and the blueprint, every paper.

How a paper is drawn, for each pool (a type, and a chapter when the blueprint sets quotas):
the pool's items are laid out as an endless run of shuffled copies of the pool (each
copy shuffled by the seed and its cycle number) and paper *i* takes the next *k*
distinct items from position *i·k*. Every item is therefore used ⌊N·k/n⌋ or
⌈N·k/n⌉ times: exposure is spread evenly. Then the paper's mean difficulty is
brought inside the target ± tolerance by swapping items for others of the same
pool, chosen by the paper's own random generator. Options of choice items are
shuffled per paper; the key is mapped on the server, never sent.

Enemy groups (互斥组): no two items of one group on a paper. A draw skips an item whose
group is already on the paper (taking the next one of the run), and a difficulty swap never
brings one in. Pools without groups are drawn exactly as before groups existed, so papers
of sittings frozen earlier rebuild unchanged.

Nothing here reads global state, so ``build_paper(seed, index, salt, …)`` rebuilds
any paper exactly for an audit. ``salt`` is raised only when a paper would be
identical to an earlier one of the same sitting; it is stored with the paper.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

TYPE_ORDER = ("single", "multiple", "situational")
MAX_SWAPS = 400
MAX_SALT = 50


@dataclass(frozen=True, order=True)
class PoolItem:
    version_id: int
    difficulty: int
    option_count: int
    group: str = ""  # enemy group; "" for none


class EnemyShortfall(ValueError):
    """The items left in a pool after the paper's enemy groups are fewer than it needs."""


@dataclass(frozen=True)
class Pool:
    item_type: str
    chapter: str | None
    needed: int
    points: int
    items: tuple[PoolItem, ...]  # sorted by version id: the layout the seed shuffles

    @property
    def key(self) -> str:
        return f"{self.item_type}:{self.chapter or '*'}"


@dataclass(frozen=True)
class PaperEntry:
    version_id: int
    option_order: tuple[int, ...]
    points: int
    difficulty: int
    item_type: str


@dataclass
class BuiltPaper:
    index: int
    salt: int
    entries: list[PaperEntry] = field(default_factory=list)

    @property
    def mean_difficulty(self) -> float:
        return sum(e.difficulty for e in self.entries) / len(self.entries) if self.entries else 0.0

    @property
    def fingerprint(self) -> str:
        ids = ",".join(str(v) for v in sorted(e.version_id for e in self.entries))
        return hashlib.sha256(ids.encode()).hexdigest()


def pools_from_rows(blueprint: dict, rows: list[tuple]) -> list[Pool]:
    """``rows`` are (version id, type, section code, difficulty, option count[, enemy group]) of eligible
    versions; rows frozen before enemy groups existed have no group."""
    pools: list[Pool] = []
    for item_type in TYPE_ORDER:
        needed = blueprint[f"{item_type}_count"]
        if not needed:
            continue
        points = blueprint[f"{item_type}_points"]
        quotas = {str(k): int(v) for k, v in (blueprint.get("chapter_quotas", {}).get(item_type) or {}).items() if v}
        of_type = sorted(
            (PoolItem(vid, difficulty, options, group or ""), code.split(".")[0])
            for vid, t, code, difficulty, options, group in (_with_group(row) for row in rows)
            if t == item_type
        )
        # PoolItem sorts by version id first, so the layout is stable.
        if quotas:
            for chapter in sorted(quotas):
                items = tuple(item for item, ch in of_type if ch == chapter)
                pools.append(Pool(item_type, chapter, quotas[chapter], points, items))
        else:
            pools.append(Pool(item_type, None, needed, points, tuple(item for item, _ch in of_type)))
    return pools


def _with_group(row) -> tuple:
    return tuple(row) if len(row) >= 6 else (*row, "")


@lru_cache(maxsize=4096)
def _cycle(seed: int, pool_key: str, size: int, cycle: int) -> tuple[int, ...]:
    order = list(range(size))
    random.Random(f"{seed}:{pool_key}:{cycle}").shuffle(order)
    return tuple(order)


def _draw(seed: int, index: int, pool: Pool, groups: set[str]) -> list[int]:
    """Positions in ``pool.items`` for paper ``index``: the next k distinct items of the shuffled run,
    skipping those whose enemy group is in ``groups`` (the paper's so far), which it extends."""
    n, k = len(pool.items), pool.needed
    position = index * k
    chosen: list[int] = []
    seen: set[int] = set()
    # Two whole cycles from the start meet every item at least once.
    limit = position + 2 * n + k
    while len(chosen) < k:
        if position > limit:
            raise EnemyShortfall(f"pool {pool.key}: enemy groups leave fewer than {k} items")
        cycle, offset = divmod(position, n)
        candidate = _cycle(seed, pool.key, n, cycle)[offset]
        group = pool.items[candidate].group
        if candidate not in seen and not (group and group in groups):
            seen.add(candidate)
            chosen.append(candidate)
            if group:
                groups.add(group)
        position += 1
    return chosen


def _sample(rng: random.Random, pool: Pool, groups: set[str]) -> list[int]:
    """A random draw for a rebuilt (salted) paper, with enemies of the paper replaced at random."""
    chosen = rng.sample(range(len(pool.items)), pool.needed)
    for slot, position in enumerate(chosen):
        group = pool.items[position].group
        if not group:
            continue
        if group in groups:
            taken = set(chosen)
            allowed = [
                p
                for p in range(len(pool.items))
                if p not in taken and not (pool.items[p].group and pool.items[p].group in groups)
            ]
            if not allowed:
                raise EnemyShortfall(f"pool {pool.key}: enemy groups leave fewer than {pool.needed} items")
            chosen[slot] = position = rng.choice(allowed)
            group = pool.items[position].group
        if group:
            groups.add(group)
    return chosen


def build_paper(*, seed: int, index: int, salt: int, pools: list[Pool], target: float, tolerance: float) -> BuiltPaper:
    rng = random.Random(f"{seed}:paper:{index}:{salt}")
    picks: dict[str, list[int]] = {}
    groups: set[str] = set()
    for pool in pools:
        if salt == 0:
            picks[pool.key] = _draw(seed, index, pool, groups)
        else:
            picks[pool.key] = _sample(rng, pool, groups)
    _balance_difficulty(picks, pools, rng, target=target, tolerance=tolerance)

    paper = BuiltPaper(index=index, salt=salt)
    for item_type in TYPE_ORDER:
        chosen = [(pool, position) for pool in pools if pool.item_type == item_type for position in picks[pool.key]]
        rng.shuffle(chosen)
        for pool, position in chosen:
            item = pool.items[position]
            order = list(range(item.option_count))
            rng.shuffle(order)
            paper.entries.append(PaperEntry(item.version_id, tuple(order), pool.points, item.difficulty, item_type))
    return paper


def _balance_difficulty(
    picks: dict[str, list[int]], pools: list[Pool], rng: random.Random, *, target: float, tolerance: float
) -> None:
    """Swap items within their pools until the mean difficulty is within target ± tolerance (or no swap helps)."""
    total_items = sum(pool.needed for pool in pools)
    if not total_items:
        return
    by_key = {pool.key: pool for pool in pools}
    total = sum(by_key[key].items[p].difficulty for key, positions in picks.items() for p in positions)
    low, high = (target - tolerance) * total_items, (target + tolerance) * total_items
    stuck: set[tuple[str, int]] = set()  # slots with no replacement in the needed direction
    for _swap in range(MAX_SWAPS):
        if low <= total <= high:
            return
        too_high = total > high
        options = [
            (key, slot, by_key[key].items[position].difficulty)
            for key, positions in picks.items()
            for slot, position in enumerate(positions)
            if (key, slot) not in stuck
            and (
                by_key[key].items[position].difficulty > target
                if too_high
                else by_key[key].items[position].difficulty < target
            )
        ]
        if not options:
            return
        key, slot, current = rng.choice(options)
        pool = by_key[key]
        used = set(picks[key])
        # Enemy groups on the paper, but for the slot being replaced.
        held = {
            by_key[k].items[p].group
            for k, positions in picks.items()
            for s, p in enumerate(positions)
            if by_key[k].items[p].group and (k, s) != (key, slot)
        }
        replacements = [
            p
            for p in range(len(pool.items))
            if p not in used
            and (pool.items[p].difficulty < current if too_high else pool.items[p].difficulty > current)
            and not (pool.items[p].group and pool.items[p].group in held)
        ]
        if not replacements:
            stuck.add((key, slot))
            continue
        replacement = rng.choice(replacements)
        total += pool.items[replacement].difficulty - current
        picks[key][slot] = replacement
        stuck.clear()


def build_all(*, seed: int, count: int, pools: list[Pool], target: float, tolerance: float) -> list[BuiltPaper]:
    """Every paper of a sitting, none identical to another: a duplicate is rebuilt with the next salt."""
    papers: list[BuiltPaper] = []
    seen: set[str] = set()
    for index in range(count):
        for salt in range(MAX_SALT):
            try:
                paper = build_paper(seed=seed, index=index, salt=salt, pools=pools, target=target, tolerance=tolerance)
            except EnemyShortfall:
                # The run's order met enemies it could not step past: a salted draw is random.
                continue
            if paper.fingerprint not in seen:
                break
        else:
            raise ValueError(f"paper {index}: no distinct paper after {MAX_SALT} tries")
        seen.add(paper.fingerprint)
        papers.append(paper)
    return papers


def exposure_report(papers: list[BuiltPaper]) -> dict:
    """How evenly items were used, and how the papers' difficulty spreads."""
    uses = Counter(entry.version_id for paper in papers for entry in paper.entries)
    means = [paper.mean_difficulty for paper in papers]
    return {
        "papers": len(papers),
        "items_used": len(uses),
        "max_exposure": max(uses.values()) if uses else 0,
        "max_exposure_rate": round(max(uses.values()) / len(papers), 4) if papers else 0,
        "mean_difficulty_min": round(min(means), 3) if means else None,
        "mean_difficulty_max": round(max(means), 3) if means else None,
        "identical_pairs": len(papers) - len({paper.fingerprint for paper in papers}),
        "rebuilt_for_duplicates": sum(1 for paper in papers if paper.salt),
    }
