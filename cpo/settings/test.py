"""Test settings: PostgreSQL when DATABASE_URL is set, SQLite otherwise."""

from .base import *  # noqa: F403
from .base import DATABASE_URL, DATABASES

# Test-only key; never used outside the test run.
SECRET_KEY = "test-only-secret-key-not-for-production-use-0123456789abcdef"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

if not DATABASE_URL:
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ":memory:",
        "TEST": {"NAME": ":memory:"},
    }
# A connection kept across tests confuses live_server and the worker fixture.
DATABASES["default"]["CONN_MAX_AGE"] = 0

# Tasks run in-process unless a test switches the Celery app to a real worker.
CELERY_TASK_ALWAYS_EAGER = True

# Fast hashing: tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Hashed (manifest) static URLs 404 under live_server (STACK.md 6).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Each test gets a clean in-process cache; rate limits and lockouts start at zero.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


# Serve static files from the app folders directly (no collectstatic needed).
# https://whitenoise.readthedocs.io/en/stable/django.html#WHITENOISE_USE_FINDERS
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
