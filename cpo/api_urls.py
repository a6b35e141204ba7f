"""The REST API under /api/v1/: one router, each app registering its viewsets."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api

router = DefaultRouter(trailing_slash=True)
router.register("users", accounts_api.UserViewSet, basename="user")

urlpatterns = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="auth-token"),
    *router.urls,
]
