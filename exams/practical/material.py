"""Loading the practical session's material from ``fixtures/``: passages, the sample catalogue,
business scenario cards and scene scripts.

Everything is checked before anything is written: a bad file changes nothing and the
error names the file, the entry and what is wrong. Loading again updates entries by
code (an admin's edit to an entry is overwritten only by ``replace=True``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from exams.practical.models import SCENE_DIMENSIONS, Passage, Product, ProductKind, Scenario, Scene
from grading.scoring.typing import normalize

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
LEVELS = {3, 4, 5}
ANCHOR_GRADES = ("excellent", "adequate", "poor")
BUSINESSES = {"new_fixed", "new_broadband", "bundle", "add_addon", "move"}
PASSAGE_LENGTH = (300, 800)


@dataclass
class MaterialReport:
    passages: int = 0
    products: int = 0
    scenarios: int = 0
    scenes: int = 0


def _read(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(f"找不到文件 {path.name}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{path.name} 不是有效的 UTF-8 JSON：{exc}") from None


def _code(entry) -> str:
    return str(entry.get("code", "?")) if isinstance(entry, dict) else "?"


def _levels_ok(levels) -> bool:
    return isinstance(levels, list) and bool(levels) and all(isinstance(n, int) and n in LEVELS for n in levels)


def _need(entry, keys: list[str], where: str, errors: list[str]) -> bool:
    if not isinstance(entry, dict):
        errors.append(f"{where}：每一项应为对象")
        return False
    missing = [key for key in keys if key not in entry]
    if missing:
        errors.append(f"{where}：缺少字段 {', '.join(missing)}")
    return not missing


def check_passages(data, errors: list[str]) -> list[dict]:
    if not isinstance(data, list):
        errors.append("passages.json：应为列表")
        return []
    for entry in data:
        where = f"passages.json {_code(entry)}"
        if not _need(entry, ["code", "level", "title", "source", "text"], where, errors):
            continue
        if not isinstance(entry["level"], int) or entry["level"] not in LEVELS:
            errors.append(f"{where}：级别应为 5、4 或 3")
        if not isinstance(entry["text"], str):
            errors.append(f"{where}：文本应为文字")
            continue
        length = len(normalize(entry["text"]))
        if not PASSAGE_LENGTH[0] <= length <= PASSAGE_LENGTH[1]:
            errors.append(f"{where}：文本 {length} 字，应在 {PASSAGE_LENGTH[0]}–{PASSAGE_LENGTH[1]} 字之间")
    return data


def check_catalogue(data, errors: list[str]) -> list[dict]:
    if not isinstance(data, dict) or not isinstance(data.get("products"), list):
        errors.append("catalogue.json：应为含 products 列表的对象")
        return []
    products = data["products"]
    kinds = {p.get("code"): p.get("kind") for p in products if isinstance(p, dict)}
    for entry in products:
        where = f"catalogue.json {_code(entry)}"
        if not _need(entry, ["code", "kind", "name", "monthly_fee", "one_time_fee"], where, errors):
            continue
        if entry["kind"] not in ProductKind.values:
            errors.append(f"{where}：未知类别 {entry['kind']}")
        for fee in ("monthly_fee", "one_time_fee"):
            try:
                if Decimal(str(entry[fee])) < 0:
                    raise InvalidOperation
            except InvalidOperation:
                errors.append(f"{where}：{fee} 应为不小于 0 的金额")
        for component in entry.get("components") or []:
            if component not in kinds:
                errors.append(f"{where}：套餐包含的 {component} 不在目录中")
        if entry["kind"] == "broadband" and not entry.get("speed_mbps"):
            errors.append(f"{where}：宽带产品须填写速率")
    return products


def check_scenarios(data, products: dict[str, str], errors: list[str]) -> list[dict]:
    if not isinstance(data, list):
        errors.append("scenarios.json：应为列表")
        return []

    def product(where: str, code: str, kind: str) -> None:
        if products.get(code) != kind:
            errors.append(f"{where}：{code} 不是目录中的{ProductKind(kind).label}产品")

    for entry in data:
        where = f"scenarios.json {_code(entry)}"
        if not _need(entry, ["code", "title", "levels", "source", "request", "customer", "expected"], where, errors):
            continue
        if not _levels_ok(entry["levels"]):
            errors.append(f"{where}：适用级别应为 5、4、3 中的一个或多个")
        for person in ("customer", "presented"):
            value = entry.get(person)
            if (value is not None or person == "customer") and not (
                isinstance(value, dict) and value.get("name") and value.get("id_number")
            ):
                errors.append(f"{where}：{person} 须有姓名（name）和证件号码（id_number）")
        expected = entry["expected"]
        if not isinstance(expected, dict):
            errors.append(f"{where}：expected 应为对象")
            continue
        if expected.get("action") not in ("order", "refuse"):
            errors.append(f"{where}：expected.action 应为 order 或 refuse")
            continue
        if expected["action"] == "refuse":
            if not expected.get("advice_keywords"):
                errors.append(f"{where}：拒绝受理的任务须给出建议关键词")
            continue
        if expected.get("business") not in BUSINESSES:
            errors.append(f"{where}：未知业务类型 {expected.get('business')}")
        if expected.get("bundle"):
            product(where, expected["bundle"], "bundle")
        if expected.get("broadband"):
            product(where, expected["broadband"].get("tier", ""), "broadband")
            product(where, expected["broadband"].get("modem", ""), "modem")
        for addon in expected.get("addons") or []:
            product(where, addon, "addon")
    return data


def check_scenes(data, errors: list[str]) -> list[dict]:
    if not isinstance(data, list):
        errors.append("scenes.json：应为列表")
        return []
    for entry in data:
        where = f"scenes.json {_code(entry)}"
        keys = ["code", "title", "levels", "source", "situation", "examiner_role", "candidate_brief", "anchors"]
        if not _need(entry, keys, where, errors):
            continue
        if not _levels_ok(entry["levels"]):
            errors.append(f"{where}：适用级别应为 5、4、3 中的一个或多个")
        if not isinstance(entry["anchors"], dict) or set(entry["anchors"]) != set(SCENE_DIMENSIONS):
            errors.append(f"{where}：行为锚定须恰好包含五个维度 {', '.join(SCENE_DIMENSIONS)}")
            continue
        for dimension, grades in entry["anchors"].items():
            if not isinstance(grades, dict) or any(not grades.get(grade) for grade in ANCHOR_GRADES):
                errors.append(f"{where}：{dimension} 须有 excellent、adequate、poor 三档描述")
    return data


def _unique(entries: list[dict], name: str, errors: list[str]) -> None:
    seen: set[str] = set()
    for entry in entries:
        code = _code(entry)
        if code == "?":
            continue
        if code in seen:
            errors.append(f"{name}：编号 {code} 重复")
        seen.add(code)


def material_load(*, directory: Path = FIXTURES, replace: bool = False) -> MaterialReport:
    """Load (or update) the practical material. Raises ValidationError listing every problem; writes nothing then."""
    errors: list[str] = []
    passages = check_passages(_read(directory / "passages.json"), errors)
    catalogue = _read(directory / "catalogue.json")
    products = check_catalogue(catalogue, errors)
    kinds = {p.get("code"): p.get("kind") for p in products if isinstance(p, dict)}
    scenarios = check_scenarios(_read(directory / "scenarios.json"), kinds, errors)
    scenes = check_scenes(_read(directory / "scenes.json"), errors)
    for entries, name in ((passages, "passages.json"), (products, "catalogue.json")):
        _unique(entries, name, errors)
    _unique(scenarios, "scenarios.json", errors)
    _unique(scenes, "scenes.json", errors)
    if errors:
        raise ValidationError(errors)

    report = MaterialReport()
    with transaction.atomic():
        for entry in passages:
            fields = {k: entry[k] for k in ("level", "title", "text", "source")}
            report.passages += _put(Passage, entry["code"], fields, replace)
        for entry in products:
            fields = {
                "kind": entry["kind"],
                "family": entry.get("family", ""),
                "name": entry["name"],
                "monthly_fee": Decimal(str(entry["monthly_fee"])),
                "one_time_fee": Decimal(str(entry["one_time_fee"])),
                "speed_mbps": entry.get("speed_mbps"),
                "components": entry.get("components") or [],
                "description": entry.get("description", ""),
            }
            report.products += _put(Product, entry["code"], fields, replace)
        for entry in scenarios:
            fields = {
                k: entry.get(k, default)
                for k, default in (
                    ("title", ""),
                    ("levels", []),
                    ("source", ""),
                    ("request", ""),
                    ("customer", {}),
                    ("presented", None),
                    ("existing_lines", []),
                    ("expected", {}),
                    ("traps", []),
                )
            }
            report.scenarios += _put(Scenario, entry["code"], fields, replace)
        for entry in scenes:
            fields = {
                k: entry[k]
                for k in ("title", "levels", "source", "situation", "examiner_role", "candidate_brief", "anchors")
            }
            fields["minutes"] = entry.get("minutes", 8)
            report.scenes += _put(Scene, entry["code"], fields, replace)
    return report


def _put(model, code: str, fields: dict, replace: bool) -> int:
    """Create the entry; update it only when ``replace``. Returns 1 when something was written."""
    if replace:
        model.objects.update_or_create(code=code, defaults=fields)
        return 1
    _obj, created = model.objects.get_or_create(code=code, defaults=fields)
    return int(created)


@lru_cache(maxsize=1)
def catalogue_data(directory: Path = FIXTURES) -> dict:
    """The catalogue file's notice, number pool and ID types (products live in the database)."""
    try:
        data = _read(directory / "catalogue.json")
    except ValidationError:
        return {}
    return data if isinstance(data, dict) else {}
