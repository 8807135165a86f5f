from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from certify.standard.models import Level
from question_bank.models import OPTION_LETTERS, Blueprint, ItemStatus, ItemType, KnowledgePoint, MultiplePolicy
from question_bank.services.items import situational_points_by_level
from question_bank.validation import (
    TYPE_NAMES,
    ItemData,
    item_from_cells,
    knowledge_point_label,
    knowledge_point_lookup,
)

# Form field ↔ template column: the form speaks the importer's language so both give the same errors.
FIELD_COLUMNS = {
    "type": "题型",
    "level": "级别",
    "knowledge_point": "知识点",
    "difficulty": "难度",
    "case": "案例",
    "stem": "题干",
    **{f"option_{letter.lower()}": f"选项{letter}" for letter in OPTION_LETTERS},
    "answer": "答案",
    "explanation": "解析",
    "rubric": "评分要点",
    "source": "来源",
    "enemy_group": "互斥组",
}
COLUMN_FIELDS = {column: name for name, column in FIELD_COLUMNS.items()}


class ItemForm(forms.Form):
    type = forms.ChoiceField(label=_("题型"), choices=[(names[0], names[0]) for names in TYPE_NAMES.values()])
    level = forms.ChoiceField(label=_("级别"), choices=[(label, label) for _value, label in Level.choices])
    knowledge_point = forms.ChoiceField(label=_("知识点"))
    difficulty = forms.ChoiceField(label=_("难度"), choices=[(str(d), str(d)) for d in range(1, 6)])
    case = forms.CharField(label=_("案例（仅情景分析题）"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    stem = forms.CharField(label=_("题干"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    answer = forms.CharField(label=_("答案（选项字母，如 B 或 ACD）"), required=False, max_length=20)
    explanation = forms.CharField(label=_("解析"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    rubric = forms.CharField(
        label=_("评分要点（仅情景分析题，每行：要点|分值|同义词1/同义词2）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    source = forms.CharField(label=_("来源"), required=False, max_length=200)
    enemy_group = forms.CharField(
        label=_("互斥组（可不填；同一组的题目不会出现在同一份试卷上）"), required=False, max_length=100
    )
    status = forms.ChoiceField(label=_("状态"), choices=ItemStatus.choices, initial=ItemStatus.ACTIVE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sections = list(KnowledgePoint.objects.filter(parent__isnull=False).order_by("order"))
        self.fields["knowledge_point"].choices = [
            (knowledge_point_label(p), knowledge_point_label(p)) for p in sections
        ]
        self._lookup = knowledge_point_lookup(sections)
        for letter in OPTION_LETTERS:
            self.fields[f"option_{letter.lower()}"] = forms.CharField(
                label=_("选项%(letter)s") % {"letter": letter}, required=False, max_length=500
            )
        self.data_item: ItemData | None = None

    HEADER = ("type", "level", "knowledge_point", "difficulty", "status")
    BODY = (
        "case",
        "stem",
        *(f"option_{letter.lower()}" for letter in OPTION_LETTERS),
        "answer",
        "explanation",
        "rubric",
        "source",
        "enemy_group",
    )

    @property
    def header_fields(self):
        return [self[name] for name in self.HEADER]

    @property
    def body_fields(self):
        return [self[name] for name in self.BODY]

    def clean(self):
        cleaned = super().clean()
        cells = {column: str(cleaned.get(name) or "") for name, column in FIELD_COLUMNS.items()}
        data, errors = item_from_cells(
            cells, row=None, knowledge_points=self._lookup, situational_points=situational_points_by_level()
        )
        for error in errors:
            self.add_error(COLUMN_FIELDS.get(error.column), error.message)
        self.data_item = data
        return cleaned


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))


class BlueprintForm(forms.ModelForm):
    class Meta:
        model = Blueprint
        fields = [
            "difficulty_min",
            "difficulty_max",
            "target_difficulty",
            "difficulty_tolerance",
            "multiple_policy",
        ]
        widgets = {"multiple_policy": forms.RadioSelect(choices=MultiplePolicy.choices)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.chapters = list(KnowledgePoint.objects.filter(parent__isnull=True).order_by("order"))
        for item_type in ("single", "multiple", "situational"):
            quotas = self.instance.quotas_for(item_type)
            for chapter in self.chapters:
                self.fields[f"quota_{item_type}_{chapter.code}"] = forms.IntegerField(
                    label=chapter.name, required=False, min_value=0, initial=quotas.get(chapter.code)
                )

    def quota_rows(self):
        return [
            {"label": ItemType(t).label, "cells": [self[f"quota_{t}_{c.code}"] for c in self.chapters]}
            for t in ("single", "multiple", "situational")
        ]

    def values(self) -> dict:
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        quotas = {}
        for item_type in ("single", "multiple", "situational"):
            per_chapter = {
                chapter.code: self.cleaned_data[f"quota_{item_type}_{chapter.code}"]
                for chapter in self.chapters
                if self.cleaned_data.get(f"quota_{item_type}_{chapter.code}") not in (None, "")
            }
            quotas[item_type] = per_chapter
        values["chapter_quotas"] = quotas
        return values
