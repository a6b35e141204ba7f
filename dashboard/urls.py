from django.urls import path

from . import views, views_kpis, views_objectives, views_roadmaps

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
]
