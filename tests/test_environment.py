"""In CI (REQUIRE_SERVICES=1) the suite must run on the real services."""

import pytest

from tests.conftest import (
    REQUIRE_SERVICES,
    chromium_available,
    postgres_in_use,
    redis_available,
)


@pytest.mark.django_db
def test_ci_runs_on_postgresql_redis_and_chromium():
    if not REQUIRE_SERVICES:
        pytest.skip("local run: services are optional (REQUIRE_SERVICES unset)")
    assert postgres_in_use(), "DATABASE_URL must point at PostgreSQL in CI"
    assert redis_available(), "REDIS_URL must answer in CI"
    assert chromium_available(), "/usr/bin/chromium must be installed in CI"
