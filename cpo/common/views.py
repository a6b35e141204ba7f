"""Views that belong to no app: the health check for load balancers."""

import logging
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from cpo.celery import app as celery_app

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2


def check_database() -> str | None:
    """Return an error text when the default database cannot answer a query."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "unreachable"
        logger.warning("healthz: database unreachable", exc_info=True)
        return "unreachable"
    return None


def check_broker() -> str | None:
    """Return an error text when the Celery broker cannot be reached."""
    url = celery_app.conf.broker_url or ""
    if url.startswith("memory://"):
        return None  # embedded default: tasks run in-process
    try:
        with Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS) as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception:  # any failure means "unreachable"
        logger.warning("healthz: broker unreachable", exc_info=True)
        return "unreachable"
    return None


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer; 503 naming the failing one."""
    checks: dict[str, Any] = {"database": check_database(), "broker": check_broker()}
    failing = [name for name, error in checks.items() if error]
    body: dict[str, Any] = {
        "status": "ok" if not failing else "unavailable",
        "checks": {name: (error or "ok") for name, error in checks.items()},
    }
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: JSON under /api/ (its clients parse JSON), the HTML page elsewhere."""
    if _wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: JSON under /api/, the HTML page elsewhere."""
    if _wants_json(request):
        return JsonResponse({"detail": "Internal server error."}, status=500)
    return defaults.server_error(request)
