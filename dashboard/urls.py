from django.urls import path

from . import views

urlpatterns = [
    path("", views.PortfolioView.as_view(), name="home"),
    path("products/<slug:slug>/", views.ProductView.as_view(), name="product-page"),
    path("recompute/", views.RecomputeStartView.as_view(), name="recompute"),
    path(
        "recompute/<uuid:run_id>/",
        views.RecomputeProgressView.as_view(),
        name="recompute-progress",
    ),
]
