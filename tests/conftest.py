"""Shared fixtures: users by role, API clients, and service availability.

Locally a missing PostgreSQL, Redis or Chromium skips the tests that need it; with
REQUIRE_SERVICES=1 (set by .ci/run) it fails them instead.
"""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from accounts.roles import ALL_ROLES
from tests.factories.accounts import PASSWORD, UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"


def need(service: str, available: bool, why: str) -> None:
    """Skip (locally) or fail (in CI) a test whose service is not there."""
    if available:
        return
    message = f"needs {service}: {why}"
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {message}", pytrace=False)
    pytest.skip(message)


def port_open(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


def redis_url() -> str:
    return os.environ.get("REDIS_URL", "")


def redis_available() -> bool:
    return bool(redis_url()) and port_open(redis_url(), 6379)


def postgres_in_use() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or bool(shutil.which("chromium"))


@pytest.fixture(autouse=True)
def _responses_match_the_schema(request, monkeypatch):
    """Validate every /api/v1/ response a test's client gets against the schema."""
    if request.node.get_closest_marker("no_schema_check"):
        return
    from tests.api.schema_check import check_response

    original = Client.request

    def checked(self, **kwargs):
        response = original(self, **kwargs)
        check_response(response)
        return response

    monkeypatch.setattr(Client, "request", checked)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Lockout counters and rate limits live in the cache: start each test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def make_user(db):
    def make(*roles: str, **kwargs):
        return UserFactory(roles=list(roles), **kwargs)

    return make


@pytest.fixture
def users(make_user):
    """One user per role, keyed by role name; plus `nobody` with no role."""
    result = {role: make_user(role, username=role) for role in ALL_ROLES}
    result["nobody"] = make_user(username="nobody")
    return result


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def api_as(db):
    """`api_as(user)` → an APIClient authenticated as that user (session-less)."""

    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return make
