"""Who may read and write hiring data (SPEC §3): one place for API, admin, pages.

- Teams and positions carry no personal data: every role reads them. The CPO and
  recruiters write them; a product manager writes the teams of the products
  they manage (and no positions).
- Candidates, applications (with their moves) and interviews are personal data.
  The CPO and recruiters read and write all of them. A product manager reads
  them only for the positions where they are the hiring manager or an
  interviewer (others answer 404), and writes only the scorecards of their own
  interviews. Executives and integrations get 403.
- The CPO, recruiters and the position's hiring manager move applications; the
  CPO and recruiters anonymise candidates.
- The funnel (counts only) is readable by every role.
"""

from typing import Any

from django.db.models import Model, Q, QuerySet

from accounts.permissions import ModelPolicy
from accounts.roles import ALL_ROLES, Role, has_role
from portfolio.policies import manages

from .models import Application, Interview, Position, Team

HIRING_WRITERS: tuple[str, ...] = (Role.CPO, Role.RECRUITER)
# The admin site shows hiring to these (recruiters see hiring only: the other
# apps' admin_roles leave them out).
HIRING_ADMIN_ROLES: tuple[str, ...] = (Role.CPO, Role.RECRUITER, Role.PRODUCT_MANAGER)
# Who may read personal data at all (a product manager only in their scope).
PERSONAL_READ_ROLES: tuple[str, ...] = (*HIRING_WRITERS, Role.PRODUCT_MANAGER)
# Who may be an interviewer or a hiring manager (they gain access to candidates).
INTERVIEWER_ROLES: tuple[str, ...] = (Role.CPO, Role.RECRUITER, Role.PRODUCT_MANAGER)
HIRING_MANAGER_ROLES: tuple[str, ...] = (Role.CPO, Role.PRODUCT_MANAGER)


def is_hiring_writer(user: Any) -> bool:
    """The CPO and recruiters read and write all of hiring."""
    return has_role(user, *HIRING_WRITERS)


def is_product_manager(user: Any) -> bool:
    return has_role(user, Role.PRODUCT_MANAGER)


def _interviewed_positions(user: Any) -> QuerySet[Any, Any]:
    return Interview.objects.filter(interviewer=user).values("application__position")


def position_scope(user: Any, prefix: str = "") -> Q:
    """The positions whose candidates a product manager may see, as a filter.

    `prefix` is the path from the filtered model to the position
    ("position__" for applications, "application__position__" for interviews).
    """
    return Q(**{f"{prefix}hiring_manager": user}) | Q(
        **{f"{prefix}pk__in": _interviewed_positions(user)}
    )


class TeamPolicy(ModelPolicy):
    """Teams: all read; the CPO and recruiters write; a PM their products' teams."""

    write_roles = HIRING_WRITERS
    admin_roles = HIRING_ADMIN_ROLES

    def can_create(self, user: Any) -> bool:
        # A product manager creates teams for their products (checked per product).
        return has_role(user, *HIRING_WRITERS, Role.PRODUCT_MANAGER)

    def can_write_some(self, user: Any) -> bool:
        return self.can_create(user)

    def can_write_product(self, user: Any, product: Any) -> bool:
        """Whether the user may put a team under this product (None: no product)."""
        if is_hiring_writer(user):
            return True
        return (
            product is not None and is_product_manager(user) and manages(user, product)
        )

    def can_change(self, user: Any, obj: Model) -> bool:
        if is_hiring_writer(user):
            return True
        return isinstance(obj, Team) and self.can_write_product(user, obj.product)


class PositionPolicy(ModelPolicy):
    """Positions: all read; the CPO and recruiters write."""

    write_roles = HIRING_WRITERS
    admin_roles = HIRING_ADMIN_ROLES


class PersonalDataPolicy(ModelPolicy):
    """Base for candidates, applications, interviews: personal data (SPEC §3)."""

    read_roles = PERSONAL_READ_ROLES
    write_roles = HIRING_WRITERS
    admin_roles = HIRING_ADMIN_ROLES
    # The path from this policy's model to the position.
    position_path = ""

    def scope(self, user: Any) -> Q:
        """The filter a product manager's view is narrowed by."""
        return position_scope(user, self.position_path)

    def visible(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if is_hiring_writer(user):
            return queryset
        if is_product_manager(user):
            return queryset.filter(self.scope(user))
        return queryset.none()

    def can_see(self, user: Any, obj: Model) -> bool:
        """Whether this one object is visible to the user (a query for a PM)."""
        if is_hiring_writer(user):
            return True
        if not is_product_manager(user) or obj.pk is None:
            return False
        model = type(obj)
        return self.visible(user, model._default_manager.filter(pk=obj.pk)).exists()


class CandidatePolicy(PersonalDataPolicy):
    def scope(self, user: Any) -> Q:
        applications = Application.objects.filter(
            position_scope(user, "position__")
        ).values("candidate")
        return Q(pk__in=applications)

    def can_anonymise(self, user: Any) -> bool:
        return is_hiring_writer(user)


class ApplicationPolicy(PersonalDataPolicy):
    position_path = "position__"

    def can_move(self, user: Any, application: Application) -> bool:
        """The CPO, recruiters and the position's hiring manager move applications."""
        if is_hiring_writer(user):
            return True
        manager_id = (
            Position.objects.filter(pk=application.position_id)
            .values_list("hiring_manager_id", flat=True)
            .first()
        )
        return (
            is_product_manager(user)
            and manager_id is not None
            and manager_id == getattr(user, "pk", None)
        )


class InterviewPolicy(PersonalDataPolicy):
    position_path = "application__position__"

    def can_write_some(self, user: Any) -> bool:
        # A product manager writes the scorecards of their own interviews.
        return has_role(user, *HIRING_WRITERS, Role.PRODUCT_MANAGER)

    def can_change(self, user: Any, obj: Model) -> bool:
        if is_hiring_writer(user):
            return True
        return (
            isinstance(obj, Interview)
            and is_product_manager(user)
            and obj.interviewer_id == getattr(user, "pk", None)
        )

    def can_delete(self, user: Any, obj: Model) -> bool:
        return is_hiring_writer(user)

    def can_write_all_fields(self, user: Any) -> bool:
        """Beyond the scorecard: who schedules interviews and picks interviewers."""
        return is_hiring_writer(user)


class FunnelPolicy(ModelPolicy):
    """The pipeline figures: counts only, readable by every role."""

    read_roles = ALL_ROLES


team_policy = TeamPolicy()
position_policy = PositionPolicy()
candidate_policy = CandidatePolicy()
application_policy = ApplicationPolicy()
interview_policy = InterviewPolicy()
funnel_policy = FunnelPolicy()
