import pytest

from cpo.celery import app as celery_app
from tests.conftest import need, redis_available, redis_url


@pytest.fixture
def broker_url():
    """Point the Celery app at another broker for one test."""
    original = celery_app.conf.broker_url

    def set_url(url: str) -> None:
        celery_app.conf.broker_url = url

    yield set_url
    celery_app.conf.broker_url = original


@pytest.mark.django_db
def test_healthz_is_200_when_database_and_broker_answer(client, broker_url):
    broker_url("memory://")

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok"},
    }


@pytest.mark.django_db
def test_healthz_is_503_naming_the_broker_when_its_port_is_closed(client, broker_url):
    broker_url("redis://127.0.0.1:1/0")

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert body["checks"] == {"database": "ok", "broker": "unreachable"}


@pytest.mark.django_db
def test_healthz_is_503_naming_the_database_when_it_fails(
    client, broker_url, monkeypatch
):
    broker_url("memory://")
    monkeypatch.setattr("cpo.common.views.check_database", lambda: "unreachable")

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]


@pytest.mark.django_db
def test_healthz_needs_no_login_and_is_not_cached(client, broker_url):
    broker_url("memory://")

    response = client.get("/healthz")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.integration
@pytest.mark.django_db
def test_healthz_reaches_a_real_redis_broker(client, broker_url):
    need("Redis", redis_available(), "REDIS_URL unset or not answering")
    broker_url(redis_url())

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"
