from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from certify.standard.models import Level, LevelRule, StandardVersion
from certify.standard.services import RULE_FIELDS


def rule_field_name(level: int, field: str) -> str:
    return f"level{level}_{field}"


class StandardRevisionForm(forms.Form):
    """Every rule of every level, pre-filled from the current version, plus a note."""

    note = forms.CharField(label=_("修订说明"), max_length=200)

    def __init__(self, *args, current: StandardVersion | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_rules = {rule.level: rule for rule in current.rules.all()} if current else {}
        for level in Level.values:
            for field in RULE_FIELDS:
                model_field = LevelRule._meta.get_field(field)
                rule = self.current_rules.get(level)
                self.fields[rule_field_name(level, field)] = forms.IntegerField(
                    label=model_field.verbose_name,
                    min_value=0,
                    max_value=1000,
                    initial=getattr(rule, field) if rule else None,
                )

    def rows(self) -> list[dict[str, Any]]:
        """One row per rule field, with the bound field of each level: the table the page shows."""
        return [
            {
                "label": LevelRule._meta.get_field(field).verbose_name,
                "cells": [self[rule_field_name(level, field)] for level in Level.values],
            }
            for field in RULE_FIELDS
        ]

    def changes(self) -> dict[int, dict[str, int]]:
        return {
            level: {field: self.cleaned_data[rule_field_name(level, field)] for field in RULE_FIELDS}
            for level in Level.values
        }
