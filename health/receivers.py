"""The health engine listens to `product_data_changed` (sent on commit)."""

from typing import Any

from django.dispatch import receiver

from portfolio.signals import product_data_changed

from .services import health_schedule


@receiver(product_data_changed)
def product_data_changed_schedule(
    sender: Any, product_ids: list[int], **kwargs: Any
) -> None:
    """Queue the recompute of the products whose data changed."""
    health_schedule(product_ids=product_ids)
