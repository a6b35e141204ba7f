"""The REST API under /api/v1/: one router, each app registering its viewsets."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from health import api as health_api
from hiring import api as hiring_api
from kpis import api as kpis_api
from portfolio import api as portfolio_api
from roadmaps import api as roadmaps_api

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
router.register("teams", hiring_api.TeamViewSet, basename="team")
router.register("positions", hiring_api.PositionViewSet, basename="position")
router.register("candidates", hiring_api.CandidateViewSet, basename="candidate")
router.register("applications", hiring_api.ApplicationViewSet, basename="application")
router.register("interviews", hiring_api.InterviewViewSet, basename="interview")
router.register("releases", roadmaps_api.ReleaseViewSet, basename="release")
router.register(
    "roadmap-items", roadmaps_api.RoadmapItemViewSet, basename="roadmap-item"
)
router.register("launches", roadmaps_api.LaunchViewSet, basename="launch")
router.register("kpis", kpis_api.KpiViewSet, basename="kpi")

urlpatterns = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="auth-token"),
    path(
        "products/<int:pk>/health/",
        health_api.ProductHealthView.as_view(),
        name="product-health",
    ),
    path(
        "products/<int:pk>/health/history/",
        health_api.ProductHealthHistoryView.as_view(),
        name="product-health-history",
    ),
    path(
        "health/portfolio/",
        health_api.PortfolioHealthView.as_view(),
        name="health-portfolio",
    ),
    path("health/policy/", health_api.PolicyView.as_view(), name="health-policy"),
    path(
        "health/recompute/",
        health_api.RecomputeView.as_view(),
        name="health-recompute",
    ),
    path(
        "health/tasks/<uuid:task_id>/",
        health_api.TaskView.as_view(),
        name="health-task",
    ),
    path("hiring/funnel/", hiring_api.HiringFunnelView.as_view(), name="hiring-funnel"),
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
