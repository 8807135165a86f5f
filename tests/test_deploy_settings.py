"""Issue 11 (2): `manage.py check --deploy` is clean with the README's production variables, and
every response carries the Content-Security-Policy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "SECRET_KEY": "k" * 10 + "production-like-secret-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "certify.example.cn",
    "CSRF_TRUSTED_ORIGINS": "https://certify.example.cn",
    "SECURE_COOKIES": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SECURE_PROXY_SSL_HEADER": "true",
}


def check_deploy(extra: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DEBUG", "DJANGO_ALLOW_ASYNC"))}
    env.update(extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_production_variables():
    result = check_deploy(PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_names_what_is_missing_without_them():
    result = check_deploy({"SECRET_KEY": PRODUCTION["SECRET_KEY"], "ALLOWED_HOSTS": "certify.example.cn"})
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr  # HSTS, SSL redirect


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/healthz", "/api/schema/", "/api/docs/", "/admin/login/"])
def test_every_response_carries_the_content_security_policy(url):
    policy = Client().get(url)["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/api/docs/", "/admin/login/"])
def test_style_src_allows_only_our_own_stylesheets(url):
    policy = Client().get(url)["Content-Security-Policy"]
    style_src = policy.split("style-src", 1)[1].split(";", 1)[0]
    assert style_src.split() == ["'self'"]  # no 'unsafe-inline': no style attribute, no style element
