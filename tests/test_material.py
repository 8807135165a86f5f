"""Loading the practical material: every file checked first, a bad entry loads nothing and is named."""

import json
import shutil

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from exams.practical.material import material_load
from exams.practical.models import Passage, Product, Scenario, Scene

pytestmark = pytest.mark.django_db
FILES = ("passages.json", "catalogue.json", "scenarios.json", "scenes.json")


@pytest.fixture
def material(tmp_path):
    for name in FILES:
        shutil.copy(settings.BASE_DIR / "fixtures" / name, tmp_path / name)
    return tmp_path


def edit(directory, name, change):
    path = directory / name
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def nothing_loaded():
    return not any(model.objects.exists() for model in (Passage, Product, Scenario, Scene))


def test_the_shipped_material_loads_and_loading_again_adds_nothing():
    report = material_load()
    assert (report.passages, report.scenarios, report.scenes) == (29, 22, 19) and report.products >= 20
    again = material_load()
    assert (again.passages, again.products, again.scenarios, again.scenes) == (0, 0, 0, 0)


def test_every_problem_is_named_and_nothing_is_written(material):
    edit(material, "passages.json", lambda d: d[0].update(text="太短了"))
    edit(material, "scenarios.json", lambda d: d[0]["expected"].update(bundle="E9-999"))
    edit(material, "scenes.json", lambda d: d[0]["anchors"].pop("marketing"))
    edit(material, "catalogue.json", lambda d: d["products"].append(dict(d["products"][0])))
    with pytest.raises(ValidationError) as error:
        material_load(directory=material)
    messages = error.value.messages
    assert any("passages.json" in m and "字" in m for m in messages)
    assert any("scenarios.json B01" in m and "E9-999" in m for m in messages)
    assert any("scenes.json" in m and "五个维度" in m for m in messages)
    assert any("catalogue.json" in m and "重复" in m for m in messages)
    assert nothing_loaded()


def test_a_file_that_is_not_json_or_missing_is_named(material):
    (material / "scenes.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"scenes\.json 不是有效的 UTF-8 JSON"):
        material_load(directory=material)
    (material / "scenes.json").unlink()
    with pytest.raises(ValidationError, match=r"找不到文件 scenes\.json"):
        material_load(directory=material)
    assert nothing_loaded()


def test_an_admins_edit_survives_a_reload_unless_replaced():
    material_load()
    Product.objects.filter(code="ADD-CLIP").update(monthly_fee=8)
    material_load()
    assert Product.objects.get(code="ADD-CLIP").monthly_fee == 8
    material_load(replace=True)
    assert Product.objects.get(code="ADD-CLIP").monthly_fee == 6


def test_the_command_reports_the_problems_and_exits_with_an_error(material, capsys):
    edit(material, "passages.json", lambda d: d[0].update(level=7))
    with pytest.raises(CommandError, match="级别应为 5、4 或 3"):
        call_command("load_practical", "--dir", str(material))
    assert nothing_loaded()
    call_command("load_practical")
    assert "实操素材已载入：新增文本 29 篇" in capsys.readouterr().out


def test_entries_of_the_wrong_shape_are_named_not_crashed_on(material):
    edit(
        material,
        "passages.json",
        lambda d: d.extend(["一段文字", {"code": "PX", "level": [5], "title": "t", "source": "s", "text": 5}]),
    )
    edit(material, "scenarios.json", lambda d: d[1].update(levels=5, customer={"name": "张三"}, expected="order"))
    edit(material, "scenes.json", lambda d: d[1].update(levels=[6], anchors=list(d[1]["anchors"])))
    with pytest.raises(ValidationError) as error:
        material_load(directory=material)
    text = "\n".join(error.value.messages)
    assert "passages.json ?：每一项应为对象" in text
    assert "passages.json PX：级别应为 5、4 或 3" in text and "passages.json PX：文本应为文字" in text
    assert "scenarios.json B02：适用级别" in text and "scenarios.json B02：customer 须有" in text
    assert "scenarios.json B02：expected 应为对象" in text
    assert "适用级别" in text.split("scenes.json")[1] and "五个维度" in text.split("scenes.json")[-1]
    assert nothing_loaded()


def test_a_card_whose_trap_is_a_name_mismatch_does_not_present_the_holder():
    material_load()
    card = Scenario.objects.get(code="B18")
    assert card.expected["action"] == "refuse"
    assert card.presented["is_holder"] is False
    assert card.presented["name"] != card.customer["name"]


def test_the_card_about_an_unwanted_xiaomishu_lists_it_on_the_line_and_lets_the_holder_cancel_it():
    material_load()
    card = Scenario.objects.get(code="B13")
    assert card.existing_lines[0]["addons"] == ["ADD-SEC"]
    assert card.presented["is_holder"] is True
    assert card.expected["addons"] == ["ADD-CLIP"]
    assert "可按其要求取消" in card.traps[0]["note"]
