"""Settings come from the environment; a malformed value stops start-up naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from certify import env

ROOT = Path(__file__).resolve().parent.parent
PRINT_BACKENDS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER)"
)
PRINT_BACKENDS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER)"
)


def start_django(tmp_path, **variables) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG"}}
    clean.update({"CERTIFY_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "certify.settings"}, **variables)
    return subprocess.run(
        [sys.executable, "-c", PRINT_BACKENDS],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_with_nothing_set_it_runs_on_sqlite_with_in_process_tasks(tmp_path):
    result = start_django(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"]
    assert (tmp_path / "certify.sqlite3").parent.exists()
    assert (tmp_path / "secret_key").read_text()


def test_with_database_and_redis_urls_it_uses_postgresql_and_a_real_broker(tmp_path):
    result = start_django(
        tmp_path,
        DATABASE_URL="postgres://certify:pw@db.internal:5432/certify",
        REDIS_URL="redis://127.0.0.1:6379/2",
        SECRET_KEY="x" * 50,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "False"]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be one of"),
        ({"DATABASE_URL": "mysql://root@localhost/certify", "SECRET_KEY": "k"}, "DATABASE_URL must be a postgres://"),
        ({"DATABASE_URL": "postgres://root@localhost:5432/", "SECRET_KEY": "k"}, "DATABASE_URL must name a database"),
        ({"DATABASE_URL": "postgres://root@localhost:54x2/db", "SECRET_KEY": "k"}, "DATABASE_URL has a port"),
        ({"DATABASE_URL": "postgres://root@localhost/certify"}, "SECRET_KEY must be set"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL must be a redis://"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/zero"}, "REDIS_URL must end with a database number"),
        (
            {"DB_CONN_MAX_AGE": "ten", "DATABASE_URL": "postgres://u@h/d", "SECRET_KEY": "k"},
            "DB_CONN_MAX_AGE must be a whole number",
        ),
        ({"SESSION_COOKIE_AGE": "10"}, "SESSION_COOKIE_AGE must be at least 300"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(tmp_path, variables, message):
    result = start_django(tmp_path, **variables)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_the_database_url_is_split_into_its_parts():
    assert env.database_from_url("DATABASE_URL", "postgresql://u%40x:p%2Fw@127.0.0.1:5433/certify") == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "certify",
        "USER": "u@x",
        "PASSWORD": "p/w",
        "HOST": "127.0.0.1",
        "PORT": "5433",
    }


def test_env_int_rejects_values_out_of_range(monkeypatch):
    monkeypatch.setenv("X_LIMIT", "5")
    with pytest.raises(ImproperlyConfigured, match="X_LIMIT must be at most 3"):
        env.env_int("X_LIMIT", 1, maximum=3)
