"""Who may read and write roadmaps (SPEC §3): one place for API, admin and pages.

Every role reads releases, roadmap items and launches. The CPO writes all of
them. A product manager writes them only under the products they manage: for
anything else (another product's item, or moving an item to such a product) the
answer is a 403. Executives, recruiters and integrations only read.
"""

from typing import Any

from django.db.models import Model

from accounts.permissions import ModelPolicy
from accounts.roles import Role
from portfolio.models import Product
from portfolio.policies import is_cpo, is_product_manager, manages

ROADMAP_ADMIN_ROLES: tuple[str, ...] = (Role.CPO, Role.PRODUCT_MANAGER)
NOT_YOUR_PRODUCT = "You may only write roadmaps of the products you manage."


class RoadmapPolicy(ModelPolicy):
    """Releases, items, launches: objects with a `product`, written by its managers."""

    write_roles = (Role.CPO, Role.PRODUCT_MANAGER)
    admin_roles = ROADMAP_ADMIN_ROLES

    def can_write_under(self, user: Any, product: Product | None) -> bool:
        """Whether the user may create or change objects under this product."""
        if is_cpo(user):
            return True
        return (
            product is not None and is_product_manager(user) and manages(user, product)
        )

    def can_change(self, user: Any, obj: Model) -> bool:
        return self.can_write_under(user, getattr(obj, "product", None))

    def can_delete(self, user: Any, obj: Model) -> bool:
        return self.can_change(user, obj)


roadmap_policy = RoadmapPolicy()
