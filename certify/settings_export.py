"""Settings of the export process (``python -m grading.exports.runner <job id>``).

certify's own settings (``certify.settings``, the same environment variables), trimmed to what
an export reads: the apps whose models it queries, no admin, sessions, DRF, API schema or
middleware. With openpyxl kept from importing numpy (``grading/exports/runner.py``) the process
is at about 75 MB when the first row is read, against 110 MB for one loading everything, so a
100,000-row workbook (about 8 MB more) is written within 100 MB.

The process opens the database its parent is connected to (``EXPORT_DATABASE_NAME``: the same
as ``DATABASE_URL``'s in production, the test database under pytest).
"""

from __future__ import annotations

import os

from certify.settings import *  # noqa: F403
from certify.settings import DATABASES

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "certify.apps.CertifyModelsConfig",
    "question_bank",
    "exams",
    "grading",
]
MIDDLEWARE: list[str] = []

if os.environ.get("EXPORT_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["EXPORT_DATABASE_NAME"]
