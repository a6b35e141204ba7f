from django.contrib.auth.models import AbstractUser
from simple_history.models import HistoricalRecords

from cpo.common.models import TimeStampedModel


class User(TimeStampedModel, AbstractUser):
    """A person or a service account; what they may do comes from their roles."""

    # Secrets and login bookkeeping stay out of the change history.
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        swappable = "AUTH_USER_MODEL"
        verbose_name = "user"
        verbose_name_plural = "users"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username
