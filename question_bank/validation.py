"""One validator for every way an item arrives: an Excel row, a page form, the API, the shipped fixtures.

Input is a mapping from the template's column names to cell text; output is
the clean ``ItemData`` or the list of ``RowError`` (row, column, reason).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from certify.excel import RowError
from certify.standard.models import Level
from question_bank.models import ENEMY_GROUP_PATTERN, OPTION_LETTERS, ItemType, KnowledgePoint

# The template's columns, in order (DESIGN.md §3), then 案例 for situational items and 互斥组.
OPTION_COLUMNS = [f"选项{letter}" for letter in OPTION_LETTERS]
COLUMNS = [
    "题型",
    "级别",
    "知识点",
    "难度",
    "题干",
    *OPTION_COLUMNS,
    "答案",
    "解析",
    "评分要点",
    "来源",
    "案例",
    "互斥组",
]
OPTIONAL_COLUMNS = ("案例", "互斥组")
REQUIRED_COLUMNS = [column for column in COLUMNS if column not in OPTIONAL_COLUMNS]

TYPE_NAMES = {
    ItemType.SINGLE: ["单选", "单选题", "单项选择", "单项选择题"],
    ItemType.MULTIPLE: ["多选", "多选题", "多项选择", "多项选择题"],
    ItemType.SITUATIONAL: ["情景分析", "情景分析题", "情景题"],
}
TYPE_BY_NAME = {name: item_type for item_type, names in TYPE_NAMES.items() for name in names}
LEVEL_BY_NAME = {
    **{str(label): value for value, label in Level.choices},
    **{str(label).replace("营业", ""): value for value, label in Level.choices},
    **{str(value): value for value in Level.values},
}
OPTION_RANGE = {ItemType.SINGLE: (2, 8), ItemType.MULTIPLE: (3, 8)}
# What Excel cannot store (openpyxl refuses it too): an item with one could never be exported.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_STEM = 2000
MAX_OPTION = 500
MAX_TEXT = 4000


@dataclass
class RubricPoint:
    point: str
    points: int
    phrasings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"point": self.point, "points": self.points, "phrasings": self.phrasings}


@dataclass
class ItemData:
    type: str
    level: int
    knowledge_point: KnowledgePoint
    difficulty: int
    stem: str
    case: str
    options: list[str]
    answer: str
    explanation: str
    rubric: list[RubricPoint]
    source: str
    # Not content: kept on the item, so regrouping never writes a new version.
    enemy_group: str = ""

    @property
    def stem_key(self) -> str:
        return stem_key(self.case, self.stem)

    def content(self) -> dict[str, Any]:
        """The ``ItemVersion`` field values."""
        return {
            "type": self.type,
            "level": self.level,
            "knowledge_point": self.knowledge_point,
            "difficulty": self.difficulty,
            "stem": self.stem,
            "case": self.case,
            "options": self.options,
            "answer": self.answer,
            "explanation": self.explanation,
            "rubric": [point.as_dict() for point in self.rubric],
            "source": self.source,
        }


def normalize_text(value: str) -> str:
    """NFKC, no whitespace, punctuation or invisible format characters (zero-width spaces and
    joiners, direction marks), lower case: what makes two stems "the same"."""
    text = unicodedata.normalize("NFKC", value)
    return "".join(
        ch for ch in text if not ch.isspace() and not unicodedata.category(ch).startswith(("P", "Cf"))
    ).lower()


def stem_key(case: str, stem: str) -> str:
    return hashlib.sha256(f"{normalize_text(case)}|{normalize_text(stem)}".encode()).hexdigest()


def knowledge_point_lookup(points: list[KnowledgePoint]) -> dict[str, KnowledgePoint]:
    """Sections by code ("4.2"), by name ("主动营销") and by both ("4.2 主动营销")."""
    lookup: dict[str, KnowledgePoint] = {}
    for point in points:
        if point.is_chapter:
            continue
        for key in (point.code, point.name, f"{point.code} {point.name}", f"{point.code}{point.name}"):
            lookup[normalize_text(key)] = point
    return lookup


def knowledge_point_label(point: KnowledgePoint) -> str:
    return f"{point.code} {point.name}"


def parse_rubric(text: str) -> tuple[list[RubricPoint], list[str]]:
    """Lines of ``要点|分值|同义词1/同义词2``."""
    points: list[RubricPoint] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [part.strip() for part in re.split(r"[|｜]", line)]
        if len(parts) not in (2, 3) or not parts[0]:
            problems.append(
                _("第 %(n)s 条要点格式应为「要点|分值|同义词1/同义词2」：%(line)s") % {"n": number, "line": line[:40]}
            )
            continue
        if not re.fullmatch(r"\d{1,3}", parts[1]) or int(parts[1]) == 0:
            problems.append(_("第 %(n)s 条要点的分值「%(value)s」不是正整数") % {"n": number, "value": parts[1][:10]})
            continue
        phrasings = [p.strip() for p in re.split(r"[/／]", parts[2])] if len(parts) == 3 else []
        points.append(RubricPoint(point=parts[0], points=int(parts[1]), phrasings=[p for p in phrasings if p]))
    return points, problems


def rubric_text(rubric: list[dict]) -> str:
    return "\n".join(
        f"{point['point']}|{point['points']}" + (f"|{'/'.join(point['phrasings'])}" if point.get("phrasings") else "")
        for point in rubric
    )


def item_from_cells(
    cells: dict[str, str],
    *,
    row: int | None,
    knowledge_points: dict[str, KnowledgePoint],
    situational_points: dict[int, int],
) -> tuple[ItemData | None, list[RowError]]:
    """Validate one item given as column → text. ``situational_points`` maps level → an item's value."""
    errors: list[RowError] = []

    def error(column: str, message: str) -> None:
        errors.append(RowError(row, column, message))

    def text(column: str) -> str:
        return (cells.get(column) or "").strip()

    for column in COLUMNS:
        if CONTROL_CHARACTERS.search(cells.get(column) or ""):
            error(column, _("含有不可见的控制字符，请删除后重新填写"))
    if errors:
        return None, errors

    item_type = TYPE_BY_NAME.get(text("题型"))
    if not text("题型"):
        error("题型", _("题型不能为空，应为 单选、多选 或 情景分析"))
    elif item_type is None:
        error("题型", _("未知题型「%(value)s」，应为 单选、多选 或 情景分析") % {"value": text("题型")[:20]})

    level = LEVEL_BY_NAME.get(text("级别"))
    if level is None:
        error("级别", _("未知级别「%(value)s」，应为 营业五级、营业四级 或 营业三级") % {"value": text("级别")[:20]})

    point = knowledge_points.get(normalize_text(text("知识点"))) if text("知识点") else None
    if not text("知识点"):
        error("知识点", _("知识点不能为空，例如「4.2 主动营销」"))
    elif point is None:
        error(
            "知识点",
            _("未知知识点「%(value)s」，请使用知识点表中的节，例如「4.2 主动营销」") % {"value": text("知识点")[:30]},
        )

    difficulty = None
    if re.fullmatch(r"[1-5]", text("难度")):
        difficulty = int(text("难度"))
    else:
        error("难度", _("难度应为 1 到 5 的整数，填写的是「%(value)s」") % {"value": text("难度")[:10]})

    stem = text("题干")
    if not stem:
        error("题干", _("题干不能为空"))
    elif len(stem) > MAX_STEM:
        error("题干", _("题干不能超过 %(max)s 字") % {"max": MAX_STEM})

    case = text("案例")
    if len(case) > MAX_TEXT:
        error("案例", _("案例不能超过 %(max)s 字") % {"max": MAX_TEXT})

    explanation = text("解析")
    if not explanation:
        error("解析", _("解析不能为空：请写明依据"))
    elif len(explanation) > MAX_TEXT:
        error("解析", _("解析不能超过 %(max)s 字") % {"max": MAX_TEXT})

    source = text("来源")
    if len(source) > 200:
        error("来源", _("来源不能超过 200 字"))

    enemy_group = text("互斥组")
    if enemy_group and not re.fullmatch(ENEMY_GROUP_PATTERN, enemy_group):
        if len(enemy_group) > 40:
            error("互斥组", _("互斥组名称不能超过 40 个字符"))
        elif re.search(r"[\s,，;；、/|]", enemy_group):
            error(
                "互斥组",
                _("互斥组只能填写一个组名，「%(value)s」中含有空格或分隔符") % {"value": enemy_group[:40]},
            )
        else:
            error(
                "互斥组",
                _("互斥组名称「%(value)s」只能由汉字、字母、数字和 _ - . 组成") % {"value": enemy_group[:40]},
            )

    # Options: filled from A without gaps.
    filled = [(letter, text(column)) for letter, column in zip(OPTION_LETTERS, OPTION_COLUMNS, strict=True)]
    last = max((i for i, (_letter, value) in enumerate(filled) if value), default=-1)
    options = [value for _letter, value in filled[: last + 1]]
    for letter, value in filled[: last + 1]:
        if not value:
            error(f"选项{letter}", _("选项%(letter)s 为空，但后面还有选项：选项须从 A 起连续填写") % {"letter": letter})
        elif len(value) > MAX_OPTION:
            error(f"选项{letter}", _("选项不能超过 %(max)s 字") % {"max": MAX_OPTION})
    normalized_options = [normalize_text(value) for value in options if value]
    if len(set(normalized_options)) != len(normalized_options):
        error("选项A", _("有两个选项内容相同"))

    answer_raw = text("答案").upper().replace(" ", "").replace(",", "").replace("，", "").replace("、", "")
    answer = ""
    rubric: list[RubricPoint] = []
    rubric_raw = text("评分要点")
    if item_type in (ItemType.SINGLE, ItemType.MULTIPLE):
        low, high = OPTION_RANGE[item_type]
        label = ItemType(item_type).label
        if not low <= len(options) <= high:
            error(
                "选项A",
                _("%(type)s题需要 %(low)s–%(high)s 个选项，填写了 %(count)s 个")
                % {"type": label, "low": low, "high": high, "count": len(options)},
            )
        if not answer_raw:
            error("答案", _("答案不能为空，填写选项字母，例如 B 或 ACD"))
        elif not re.fullmatch(r"[A-H]+", answer_raw):
            error("答案", _("答案「%(value)s」只能由选项字母 A–H 组成") % {"value": text("答案")[:10]})
        elif len(set(answer_raw)) != len(answer_raw):
            error("答案", _("答案「%(value)s」中有重复的字母") % {"value": answer_raw})
        else:
            missing = [letter for letter in answer_raw if OPTION_LETTERS.index(letter) >= len(options)]
            if missing and options:
                error(
                    "答案",
                    _("答案中的 %(letters)s 不在选项中（只有 A–%(last)s）")
                    % {"letters": "、".join(missing), "last": OPTION_LETTERS[len(options) - 1]},
                )
            elif missing:
                error("答案", _("答案中的 %(letters)s 没有对应的选项") % {"letters": "、".join(missing)})
            elif item_type == ItemType.SINGLE and len(answer_raw) != 1:
                error("答案", _("单选题只能有一个答案，填写了 %(value)s") % {"value": answer_raw})
            elif item_type == ItemType.MULTIPLE and len(answer_raw) < 2:
                error("答案", _("多选题至少要有两个答案，填写了 %(value)s") % {"value": answer_raw})
            else:
                answer = "".join(sorted(answer_raw))
        if rubric_raw:
            error("评分要点", _("只有情景分析题填写评分要点"))
        if case:
            error("案例", _("只有情景分析题填写案例"))
    elif item_type == ItemType.SITUATIONAL:
        if options:
            error("选项A", _("情景分析题不填写选项"))
        if answer_raw:
            error("答案", _("情景分析题不填写答案，请在「评分要点」中写明要点"))
        if not case:
            error("案例", _("情景分析题需要填写案例"))
        if not rubric_raw:
            error("评分要点", _("情景分析题需要评分要点，每行一条：要点|分值|同义词1/同义词2"))
        else:
            rubric, problems = parse_rubric(rubric_raw)
            for problem in problems:
                error("评分要点", problem)
            if not problems and level is not None:
                total = sum(point.points for point in rubric)
                expected = situational_points.get(level, 10)
                if total != expected:
                    error(
                        "评分要点",
                        _("评分要点合计 %(total)s 分，应与本题分值 %(expected)s 分相等")
                        % {"total": total, "expected": expected},
                    )

    if errors:
        return None, errors
    return (
        ItemData(
            type=item_type,
            level=level,
            knowledge_point=point,
            difficulty=difficulty,
            stem=stem,
            case=case,
            options=options,
            answer=answer,
            explanation=explanation,
            rubric=rubric,
            source=source,
            enemy_group=enemy_group,
        ),
        [],
    )


def item_cells(version) -> dict[str, str]:
    """An ``ItemVersion`` as template cells: the inverse of ``item_from_cells``."""
    cells = dict.fromkeys(COLUMNS, "")
    cells.update(
        {
            "题型": TYPE_NAMES[version.type][0],
            "级别": str(Level(version.level).label),
            "知识点": knowledge_point_label(version.knowledge_point),
            "难度": str(version.difficulty),
            "题干": version.stem,
            "答案": version.answer,
            "解析": version.explanation,
            "评分要点": rubric_text(version.rubric),
            "来源": version.source,
            "案例": version.case,
            "互斥组": version.item.enemy_group,
        }
    )
    for column, option in zip(OPTION_COLUMNS, version.options, strict=False):
        cells[column] = option
    return cells
