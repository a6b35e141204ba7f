"""Lists make the same number of queries for 3 and for 20 rows (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.hiring import (
    ApplicationFactory,
    InterviewFactory,
    PositionFactory,
    TeamFactory,
)
from tests.factories.portfolio import ProductFactory

API = "/api/v1"
pytestmark = pytest.mark.django_db


def make_rows(n, interviewer, hiring_manager):
    product = ProductFactory()
    for _ in range(n):
        position = PositionFactory(
            team=TeamFactory(product=product), hiring_manager=hiring_manager
        )
        application = ApplicationFactory(position=position, stage="screening")
        InterviewFactory(application=application, interviewer=interviewer)


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()["count"]


CASES = [
    ("teams", "executive"),
    ("positions", "executive"),
    *(
        (endpoint, role)
        for endpoint in ["candidates", "applications", "interviews"]
        for role in ["recruiter", "product_manager"]
    ),
]


@pytest.mark.parametrize(("endpoint", "role"), CASES)
def test_list_queries_do_not_grow_with_rows(endpoint, role, users, api_as):
    client = api_as(users[role])
    pm = users["product_manager"]
    make_rows(3, pm, pm)
    small, n_small = count(client, f"{API}/{endpoint}/?page_size=100")

    make_rows(17, pm, pm)
    large, n_large = count(client, f"{API}/{endpoint}/?page_size=100")

    assert n_small < n_large
    assert small == large
