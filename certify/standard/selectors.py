"""Reads of the certification standard."""

from __future__ import annotations

from certify.standard.models import LevelRule, StandardVersion


def standard_current() -> StandardVersion | None:
    """The version in force: the one with the highest number."""
    return StandardVersion.objects.order_by("-number").first()


def standard_rules(*, version: StandardVersion) -> list[LevelRule]:
    return list(version.rules.order_by("-level"))
