from django.urls import path

from . import (
    views,
    views_hiring,
    views_kpis,
    views_objectives,
    views_report,
    views_roadmaps,
)

urlpatterns = [
    path("", views.PortfolioView.as_view(), name="home"),
    path("products/<slug:slug>/", views.ProductView.as_view(), name="product-page"),
    path("roadmaps/", views_roadmaps.RoadmapsView.as_view(), name="roadmaps-page"),
    path("kpis/", views_kpis.KpisView.as_view(), name="kpis-page"),
    path(
        "objectives/", views_objectives.ObjectivesView.as_view(), name="objectives-page"
    ),
    path("recompute/", views.RecomputeStartView.as_view(), name="recompute"),
    path(
        "recompute/<uuid:run_id>/",
        views.RecomputeProgressView.as_view(),
        name="recompute-progress",
    ),
    path("hiring/", views_hiring.HiringView.as_view(), name="hiring"),
    path(
        "hiring/positions/<int:pk>/",
        views_hiring.PositionPipelineView.as_view(),
        name="position-pipeline",
    ),
    path("report/", views_report.ReportView.as_view(), name="report"),
    path(
        "report/products.csv", views_report.ReportCsvView.as_view(), name="report-csv"
    ),
]
