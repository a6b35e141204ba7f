"""Who may read and write the portfolio (SPEC §3): one place for API, admin, pages.

Every role reads everything here. The CPO writes everything. A product manager
changes the products they manage (not their managers), and writes the insights
they authored, citing only products they manage. Creating products, product
lines, objectives and segments is the CPO's; so is deleting them.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import Model

from accounts.permissions import ModelPolicy
from accounts.roles import Role, has_role

from .models import Insight, Product

PORTFOLIO_ADMIN_ROLES: tuple[str, ...] = (Role.CPO, Role.PRODUCT_MANAGER)


def is_cpo(user: Any) -> bool:
    return has_role(user, Role.CPO)


def is_product_manager(user: Any) -> bool:
    return has_role(user, Role.PRODUCT_MANAGER)


def manages(user: Any, product: Product) -> bool:
    """Whether the user is one of the product's managers (uses a prefetch)."""
    if product.pk is None or not getattr(user, "pk", None):
        return False
    cache = getattr(product, "_prefetched_objects_cache", {})
    if "managers" in cache:
        return any(m.pk == user.pk for m in cache["managers"])
    return product.managers.filter(pk=user.pk).exists()


class StrategyPolicy(ModelPolicy):
    """Product lines, objectives, segments: all read, the CPO writes."""

    write_roles = (Role.CPO,)
    admin_roles = PORTFOLIO_ADMIN_ROLES


class ProductPolicy(ModelPolicy):
    """Products: the CPO writes all; a product manager changes their own."""

    write_roles = (Role.CPO,)
    admin_roles = PORTFOLIO_ADMIN_ROLES

    def can_change(self, user: Any, obj: Model) -> bool:
        if is_cpo(user):
            return True
        return (
            isinstance(obj, Product) and is_product_manager(user) and manages(user, obj)
        )

    def can_delete(self, user: Any, obj: Model) -> bool:
        # Deleting is as rare and as strategic as creating: the CPO's.
        return is_cpo(user)

    def can_change_managers(self, user: Any) -> bool:
        """Who manages a product is the CPO's decision."""
        return is_cpo(user)

    def can_write_some(self, user: Any) -> bool:
        return is_cpo(user) or is_product_manager(user)


class InsightPolicy(ModelPolicy):
    """Insights: the CPO writes all; a product manager writes the ones they wrote."""

    write_roles = (Role.CPO, Role.PRODUCT_MANAGER)
    admin_roles = PORTFOLIO_ADMIN_ROLES

    def can_change(self, user: Any, obj: Model) -> bool:
        if is_cpo(user):
            return True
        return (
            isinstance(obj, Insight)
            and is_product_manager(user)
            and obj.author_id == user.pk
        )

    def can_delete(self, user: Any, obj: Model) -> bool:
        return self.can_change(user, obj)

    def uncitable_products(
        self, user: Any, products: Iterable[Product]
    ) -> list[Product]:
        """The products among these that the user may not newly cite."""
        if is_cpo(user):
            return []
        wanted = {p.pk: p for p in products}
        if not wanted:
            return []
        managed = set(
            Product.objects.filter(pk__in=wanted, managers=user).values_list(
                "pk", flat=True
            )
        )
        return [p for pk, p in wanted.items() if pk not in managed]


strategy_policy = StrategyPolicy()
product_policy = ProductPolicy()
insight_policy = InsightPolicy()
