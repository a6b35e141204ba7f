"""Every settings module loads; production refuses to start without its secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "a-dummy-but-long-enough-secret-key-for-deploy-0123456789",
    "DJANGO_ALLOWED_HOSTS": "cpo.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/cpo",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    base.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def load(module: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = (
        "import django, os, sys\n"
        f"os.environ['DJANGO_SETTINGS_MODULE'] = '{module}'\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "print(settings.DATABASES['default']['ENGINE'])\n"
        "print(settings.CELERY_TASK_ALWAYS_EAGER)\n"
        "print(settings.DEBUG)\n"
    )
    return run_python(code, env)


def test_local_settings_default_to_sqlite_eager_and_debug():
    result = load("cpo.settings.local", {})

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "True"]


def test_local_settings_use_services_when_urls_are_set():
    result = load(
        "cpo.settings.local",
        {
            "DATABASE_URL": PRODUCTION_ENV["DATABASE_URL"],
            "REDIS_URL": PRODUCTION_ENV["REDIS_URL"],
        },
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "False", "True"]


def test_local_debug_can_be_switched_off():
    result = load("cpo.settings.local", {"DJANGO_DEBUG": "0"})

    assert result.stdout.split()[-1] == "False"


def test_test_settings_load():
    result = load("cpo.settings.test", {})

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "django.db.backends.sqlite3"


def test_production_settings_load_with_every_variable():
    result = load("cpo.settings.production", PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "False", "False"]


@pytest.mark.parametrize("missing", sorted(PRODUCTION_ENV))
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}

    result = load("cpo.settings.production", env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"need these environment variables: {missing}" in result.stderr


def test_production_passes_check_deploy():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE would fail the check.
            **{
                k: v
                for k, v in os.environ.items()
                if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
            },
            **PRODUCTION_ENV,
            "DJANGO_SETTINGS_MODULE": "cpo.settings.production",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr + result.stdout
