from django.conf import settings
from rest_framework import throttling


class UserRateThrottle(throttling.UserRateThrottle):
    """The per-user API rate limit, read from settings.API_RATE_LIMIT (configurable)."""

    def get_rate(self) -> str:
        return str(settings.API_RATE_LIMIT)
