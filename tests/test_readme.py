"""Issue 15 (15): the README of a fresh clone points only at what a fresh clone has, and says how
to change scripts/serve's address and that the written paper starts with 开始答题."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
README = (ROOT / "README.md").read_text()
OPTIONAL = {"fixtures/bank_reviews.json"}  # loaded "if any"
RUNTIME = "var/"  # made by the product as it runs (databases, exports, certificates); never in a clone


def test_the_readme_points_at_no_file_outside_or_missing_from_the_repository():
    assert "../" not in README, "a path outside the repository (a fresh clone has no ../shared)"
    top = {p.name for p in ROOT.iterdir()}
    missing = [
        path
        for path in set(re.findall(r"`((?:[\w.-]+/)+[\w.-]*)`", README))
        if path.split("/")[0] in top
        and path not in OPTIONAL
        and not path.startswith(RUNTIME)
        and not (ROOT / path).exists()
    ]
    assert missing == []


def test_the_readme_says_how_to_change_the_address_and_mentions_the_start_step():
    serve = (ROOT / "scripts" / "serve").read_text()
    assert 'ADDR="${CERTIFY_ADDR:-127.0.0.1:8000}"' in serve
    assert "CERTIFY_ADDR=0.0.0.0:8080 ./scripts/serve" in README and "| `CERTIFY_ADDR` |" in README
    start_page = (ROOT / "exams" / "written" / "templates" / "written" / "exam.html").read_text()
    assert "开始答题" in start_page and "press 开始答题" in README
