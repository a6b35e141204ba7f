"""The REST API under /api/v1/: one router, each app registering its viewsets."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from kpis import api as kpis_api
from portfolio import api as portfolio_api

# Path converters, not regexes: `<int:pk>` makes ids integers in the schema.
router = DefaultRouter(trailing_slash=True, use_regex_path=False)
# JSON only: no `.json` suffix twins of every path (they double the schema).
router.include_format_suffixes = False
router.register("users", accounts_api.UserViewSet, basename="user")
router.register(
    "product-lines", portfolio_api.ProductLineViewSet, basename="product-line"
)
router.register("objectives", portfolio_api.ObjectiveViewSet, basename="objective")
router.register("segments", portfolio_api.SegmentViewSet, basename="segment")
router.register("products", portfolio_api.ProductViewSet, basename="product")
router.register("insights", portfolio_api.InsightViewSet, basename="insight")
router.register("kpis", kpis_api.KpiViewSet, basename="kpi")

urlpatterns = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="auth-token"),
    *router.urls,
    path(
        "kpis/<int:kpi_id>/measurements/",
        kpis_api.KpiMeasurementsView.as_view(),
        name="kpi-measurements",
    ),
    path(
        "measurements/bulk/",
        kpis_api.MeasurementBulkView.as_view(),
        name="measurements-bulk",
    ),
]
