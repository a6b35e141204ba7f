from django.urls import path

from . import views, views_hiring, views_report

urlpatterns = [
    path("", views.PortfolioView.as_view(), name="home"),
    path("products/<slug:slug>/", views.ProductView.as_view(), name="product-page"),
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
