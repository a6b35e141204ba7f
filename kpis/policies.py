"""Who may read and write KPIs and measurements (SPEC §3).

Every role reads. The CPO writes everything. A product manager writes the KPIs
and measurements of the products they manage. The integration role writes
measurements of any product (other tools push them), but no KPI definitions.
"""

from typing import Any

from django.db.models import Model

from accounts.permissions import ModelPolicy
from accounts.roles import Role, has_role
from portfolio.models import Product
from portfolio.policies import PORTFOLIO_ADMIN_ROLES, manages


def writes_any_product(user: Any) -> bool:
    """Whether the user may write measurements of every product."""
    return has_role(user, Role.CPO, Role.INTEGRATION)


class KpiPolicy(ModelPolicy):
    """KPI definitions: the CPO, and a product manager for their products."""

    write_roles = (Role.CPO, Role.PRODUCT_MANAGER)
    admin_roles = PORTFOLIO_ADMIN_ROLES

    def can_write_for(self, user: Any, product: Product) -> bool:
        """Whether the user may define KPIs of this product."""
        if has_role(user, Role.CPO):
            return True
        return has_role(user, Role.PRODUCT_MANAGER) and manages(user, product)

    def can_change(self, user: Any, obj: Model) -> bool:
        product = getattr(obj, "product", None)
        return isinstance(product, Product) and self.can_write_for(user, product)


class MeasurementPolicy(ModelPolicy):
    """Measurements: the CPO and integrations for any product, a PM for theirs."""

    write_roles = (Role.CPO, Role.PRODUCT_MANAGER, Role.INTEGRATION)
    admin_roles = PORTFOLIO_ADMIN_ROLES

    def can_write_for(self, user: Any, product: Product) -> bool:
        """Whether the user may write measurements of this product."""
        if writes_any_product(user):
            return True
        return has_role(user, Role.PRODUCT_MANAGER) and manages(user, product)

    def can_change(self, user: Any, obj: Model) -> bool:
        kpi = getattr(obj, "kpi", None)
        product = getattr(kpi, "product", None)
        return isinstance(product, Product) and self.can_write_for(user, product)


kpi_policy = KpiPolicy()
measurement_policy = MeasurementPolicy()
