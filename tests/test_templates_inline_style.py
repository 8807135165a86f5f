"""The Content-Security-Policy's style-src is 'self' only: no template of ours has a style
attribute or a style element (a page's look is classes in the stylesheets, e.g. the layout
helpers at the end of certify/static/certify/site.css)."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=\s*["']""", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)


def our_templates() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.html")
        if "templates" in path.relative_to(ROOT).parts
        and not {".venv", "node_modules", "staticfiles"} & set(path.relative_to(ROOT).parts)
    ]


def test_no_template_has_a_style_attribute_or_a_style_element():
    templates = our_templates()
    assert len(templates) > 50  # the walk found the templates
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}"
        for path in templates
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if STYLE_ATTRIBUTE.search(line) or STYLE_ELEMENT.search(line)
    ]
    assert offenders == []
