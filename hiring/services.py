"""Writes for hiring: keyword-only, one transaction each, actor recorded.

`actor` is the user on whose behalf the write happens; it is checked against
`hiring.policies` and recorded on the change-history rows. `actor=None` means the
system (seed data) and skips the role checks. `today`/`now` default to the clock;
tests and the seed pass them.
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import require
from cpo.common.services import (
    EntityServices,
    model_create,
    model_delete,
    model_update,
)
from portfolio.models import Product
from portfolio.services import products_changed_notify

from .models import (
    FINAL_STAGES,
    TRANSITIONS,
    Application,
    Candidate,
    Interview,
    Position,
    PositionStatus,
    Stage,
    StageMove,
    Team,
)
from .policies import (
    HIRING_MANAGER_ROLES,
    INTERVIEWER_ROLES,
    application_policy,
    candidate_policy,
    interview_policy,
    position_policy,
    team_policy,
)

TEAM_FIELDS = ("name", "product", "lead", "planned_headcount", "current_headcount")
# Team fields that feed the product's staffing health (SPEC §2).
TEAM_HEALTH_FIELDS = ("product", "planned_headcount", "current_headcount")
POSITION_FIELDS = (
    "team",
    "title",
    "level",
    "status",
    "opened_on",
    "target_fill_date",
    "hiring_manager",
)
CANDIDATE_FIELDS = ("full_name", "email", "phone", "source", "notes")
APPLICATION_FIELDS = ("candidate", "position", "rejection_reason")
INTERVIEW_FIELDS = (
    "application",
    "interviewer",
    "kind",
    "scheduled_at",
    "completed_at",
    "rating",
    "recommendation",
    "notes",
)

# What anonymisation leaves in place of personal data (SPEC §1.4).
ANONYMISED_NAME = "Anonymised candidate"
ANONYMISED_TEXT = "[removed: candidate anonymised]"

MOVE_NOT_ALLOWED = (
    "Only the CPO, recruiters and the position's hiring manager may move an "
    "application."
)


def _today(today: date | None) -> date:
    return today if today is not None else timezone.localdate()


def _users_with_roles(roles: Iterable[str]) -> Any:
    return User.objects.filter(is_active=True, groups__name__in=list(roles))


def _check_user_role(field: str, user: Any, roles: tuple[str, ...], label: str) -> None:
    """Refuse a user who holds none of the roles (as a 400 on `field`)."""
    if user is None:
        return
    pk = getattr(user, "pk", user)
    if getattr(user, "is_superuser", False) and getattr(user, "is_active", False):
        return
    if not _users_with_roles(roles).filter(pk=pk).exists():
        raise ValidationError({field: [f"User {pk} is not {label}."]})


# --- teams --------------------------------------------------------------------


def _check_team_product(actor: Any, product: Product | None) -> None:
    if actor is None:
        return
    require(
        team_policy.can_write_product(actor, product),
        "You may only write the teams of products you manage.",
    )


@transaction.atomic
def team_create(
    *,
    actor: Any,
    name: str,
    product: Product | None = None,
    lead: Any = None,
    planned_headcount: int = 0,
    current_headcount: int = 0,
) -> Team:
    """Create a team; health is told when it belongs to a product."""
    require(actor is None or team_policy.can_create(actor))
    _check_team_product(actor, product)
    team = model_create(
        instance=Team(
            name=name,
            product=product,
            lead=lead,
            planned_headcount=planned_headcount,
            current_headcount=current_headcount,
        ),
        actor=actor,
    )
    if team.product_id is not None:
        products_changed_notify(product_ids=[team.product_id])
    return team


@transaction.atomic
def team_update(*, team: Team, actor: Any, data: Mapping[str, Any]) -> Team:
    """Change a team; health is told when its headcounts or product changed."""
    require(
        actor is None or team_policy.can_change(actor, team),
        "You may only write the teams of products you manage.",
    )
    if "product" in data and data["product"] != team.product:
        _check_team_product(actor, data["product"])
    before = {name: getattr(team, name) for name in TEAM_HEALTH_FIELDS}
    old_product_id = team.product_id
    team = model_update(instance=team, fields=TEAM_FIELDS, data=data, actor=actor)[0]
    if any(getattr(team, name) != value for name, value in before.items()):
        ids = [pk for pk in (old_product_id, team.product_id) if pk is not None]
        products_changed_notify(product_ids=ids)
    return team


@transaction.atomic
def team_delete(*, team: Team, actor: Any) -> None:
    """Delete a team without positions (else 409)."""
    require(
        actor is None or team_policy.can_delete(actor, team),
        "You may only write the teams of products you manage.",
    )
    product_id = team.product_id
    model_delete(instance=team, actor=actor, hint="Move or delete its positions first.")
    if product_id is not None:
        products_changed_notify(product_ids=[product_id])


# --- positions ----------------------------------------------------------------


def _check_position(position: Position, *, today: date) -> None:
    """The date and status rules of a position, on the values it will have."""
    errors: dict[str, list[str]] = {}
    if position.opened_on is not None and position.opened_on > today:
        errors["opened_on"] = ["A position cannot be opened in the future."]
    if (
        position.target_fill_date is not None
        and position.opened_on is not None
        and position.target_fill_date < position.opened_on
    ):
        errors["target_fill_date"] = ["Must not be before opened_on."]
    if errors:
        raise ValidationError(errors)


def _refuse_filled_by_hand(status: Any) -> None:
    if status == PositionStatus.FILLED:
        raise ValidationError(
            {
                "status": [
                    "A position becomes filled when one of its applications moves "
                    "to 'hired'; it cannot be set by hand."
                ]
            }
        )


@transaction.atomic
def position_create(
    *,
    actor: Any,
    team: Team,
    title: str,
    level: str = "",
    status: str = PositionStatus.DRAFT,
    opened_on: date | None = None,
    target_fill_date: date | None = None,
    hiring_manager: Any = None,
    today: date | None = None,
) -> Position:
    """Create a position; an open one without opened_on gets today."""
    require(actor is None or position_policy.can_create(actor))
    today = _today(today)
    _refuse_filled_by_hand(status)
    _check_user_role(
        "hiring_manager", hiring_manager, HIRING_MANAGER_ROLES, "the CPO or a PM"
    )
    if status == PositionStatus.OPEN and opened_on is None:
        opened_on = today
    position = Position(
        team=team,
        title=title,
        level=level,
        status=status,
        opened_on=opened_on,
        target_fill_date=target_fill_date,
        hiring_manager=hiring_manager,
    )
    _check_position(position, today=today)
    return model_create(instance=position, actor=actor)


@transaction.atomic
def position_update(
    *,
    position: Position,
    actor: Any,
    data: Mapping[str, Any],
    today: date | None = None,
) -> Position:
    """Change a position; becoming open without opened_on sets it to today."""
    require(actor is None or position_policy.can_change(actor, position))
    today = _today(today)
    data = dict(data)
    status = data.get("status", position.status)
    if status != position.status:
        _refuse_filled_by_hand(status)
        if position.status == PositionStatus.FILLED:
            raise ValidationError(
                {
                    "status": [
                        "A filled position stays filled; open a new position instead."
                    ]
                }
            )
    if (
        position.status == PositionStatus.FILLED
        and "team" in data
        and data["team"] != position.team
    ):
        raise ValidationError(
            {"team": ["A filled position's hire counts in its team; it cannot move."]}
        )
    if "hiring_manager" in data and data["hiring_manager"] != position.hiring_manager:
        _check_user_role(
            "hiring_manager",
            data["hiring_manager"],
            HIRING_MANAGER_ROLES,
            "the CPO or a PM",
        )
    if (
        status == PositionStatus.OPEN
        and data.get("opened_on", position.opened_on) is None
    ):
        data["opened_on"] = today
    after = Position(
        opened_on=data.get("opened_on", position.opened_on),
        target_fill_date=data.get("target_fill_date", position.target_fill_date),
    )
    _check_position(after, today=today)
    return model_update(
        instance=position, fields=POSITION_FIELDS, data=data, actor=actor
    )[0]


@transaction.atomic
def position_delete(*, position: Position, actor: Any) -> None:
    """Delete a position without applications (else 409)."""
    require(actor is None or position_policy.can_delete(actor, position))
    model_delete(instance=position, actor=actor, hint="Cancel the position instead.")


# --- candidates -----------------------------------------------------------------


@transaction.atomic
def candidate_create(
    *,
    actor: Any,
    full_name: str,
    source: str,
    email: str = "",
    phone: str = "",
    notes: str = "",
) -> Candidate:
    """Record a candidate."""
    require(actor is None or candidate_policy.can_create(actor))
    candidate = Candidate(
        full_name=full_name, email=email, phone=phone, source=source, notes=notes
    )
    return model_create(instance=candidate, actor=actor)


def _refuse_anonymised(candidate: Candidate) -> None:
    if candidate.is_anonymised:
        raise ValidationError(
            {
                "non_field_errors": [
                    "This candidate was anonymised; the record cannot be edited."
                ]
            }
        )


@transaction.atomic
def candidate_update(
    *, candidate: Candidate, actor: Any, data: Mapping[str, Any]
) -> Candidate:
    """Change a candidate's details (not once anonymised)."""
    require(actor is None or candidate_policy.can_change(actor, candidate))
    changed = [
        n for n in CANDIDATE_FIELDS if n in data and data[n] != getattr(candidate, n)
    ]
    if changed:
        _refuse_anonymised(candidate)
    return model_update(
        instance=candidate, fields=CANDIDATE_FIELDS, data=data, actor=actor
    )[0]


def _erase_traces(candidate_id: int, *, replacement_repr: str) -> None:
    """Overwrite what the candidate left in history, notes, moves and the admin log.

    Works from the history tables, so applications and interviews deleted since
    are covered too. Plain UPDATEs on purpose: no new history rows (they would
    hold nothing personal, but the point is to rewrite the old ones).
    """
    Candidate.history.filter(id=candidate_id).update(
        full_name=ANONYMISED_NAME,
        email="",
        phone="",
        notes="",
    )
    application_ids = set(
        Application.history.filter(candidate_id=candidate_id).values_list(
            "id", flat=True
        )
    )
    Application.history.filter(id__in=application_ids).exclude(
        rejection_reason=""
    ).update(rejection_reason=ANONYMISED_TEXT)
    Application.objects.filter(pk__in=application_ids).exclude(
        rejection_reason=""
    ).update(rejection_reason=ANONYMISED_TEXT)
    StageMove.objects.filter(application_id__in=application_ids).exclude(
        reason=""
    ).update(reason=ANONYMISED_TEXT)
    interview_ids = set(
        Interview.history.filter(application_id__in=application_ids).values_list(
            "id", flat=True
        )
    )
    Interview.history.filter(id__in=interview_ids).exclude(notes="").update(
        notes=ANONYMISED_TEXT
    )
    Interview.objects.filter(pk__in=interview_ids).exclude(notes="").update(
        notes=ANONYMISED_TEXT
    )
    # The admin log keeps each object's text at the time of the change.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Candidate),
        object_id=str(candidate_id),
    ).update(object_repr=replacement_repr)


@transaction.atomic
def candidate_anonymise(
    *, candidate: Candidate, actor: Any, now: datetime | None = None
) -> Candidate:
    """Replace the candidate's personal data irreversibly, everywhere it is kept.

    The applications, their stages and moves stay, so the funnel is unchanged.
    Anonymising twice changes nothing the second time.
    """
    require(
        actor is None or candidate_policy.can_anonymise(actor),
        "Only the CPO and recruiters may anonymise a candidate.",
    )
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.is_anonymised:
        return candidate
    candidate.full_name = ANONYMISED_NAME
    candidate.email = ""
    candidate.phone = ""
    candidate.notes = ""
    candidate.anonymised_at = now or timezone.now()
    if actor is not None:
        candidate._history_user = actor  # type: ignore[attr-defined]
    candidate.save(
        update_fields=[*Candidate.PERSONAL_FIELDS, "anonymised_at", "updated_at"]
    )
    _erase_traces(candidate.pk, replacement_repr=str(candidate))
    return candidate


@transaction.atomic
def candidate_delete(*, candidate: Candidate, actor: Any) -> None:
    """Delete a candidate without applications (else 409), erasing their traces."""
    require(actor is None or candidate_policy.can_delete(actor, candidate))
    candidate_id = candidate.pk
    model_delete(
        instance=candidate, actor=actor, hint="Anonymise the candidate instead."
    )
    # The deletion leaves a history row with every field: erase it too.
    _erase_traces(candidate_id, replacement_repr=ANONYMISED_NAME)


# --- applications ----------------------------------------------------------------

ACCEPTING_STATUSES = (PositionStatus.DRAFT, PositionStatus.OPEN, PositionStatus.ON_HOLD)


@transaction.atomic
def application_create(
    *,
    actor: Any,
    candidate: Candidate,
    position: Position,
    rejection_reason: str = "",
    now: datetime | None = None,
) -> Application:
    """Put a candidate into a position's pipeline, at 'applied'."""
    require(actor is None or application_policy.can_create(actor))
    errors: dict[str, list[str]] = {}
    if position.status not in ACCEPTING_STATUSES:
        errors["position"] = [
            f"The position is {position.status}; it takes no new applications."
        ]
    if candidate.is_anonymised:
        errors["candidate"] = ["An anonymised candidate cannot apply again."]
    if rejection_reason:
        errors["rejection_reason"] = [
            "Set by the move to 'rejected', not on a new application."
        ]
    if errors:
        raise ValidationError(errors)
    application = Application(
        candidate=candidate,
        position=position,
        stage=Stage.APPLIED,
        stage_changed_at=now or timezone.now(),
    )
    return model_create(instance=application, actor=actor)


@transaction.atomic
def application_update(
    *, application: Application, actor: Any, data: Mapping[str, Any]
) -> Application:
    """Correct a rejected application's reason; candidate and position are fixed."""
    require(actor is None or application_policy.can_change(actor, application))
    errors: dict[str, list[str]] = {}
    for name in ("candidate", "position"):
        if name in data and data[name] != getattr(application, name):
            errors[name] = [
                "An application's candidate and position cannot change; "
                "create a new application instead."
            ]
    reason = data.get("rejection_reason", application.rejection_reason)
    if reason != application.rejection_reason:
        if application.stage != Stage.REJECTED:
            errors["rejection_reason"] = [
                "Only a rejected application has a rejection reason; "
                "move it to 'rejected' with a reason."
            ]
        elif not reason.strip():
            errors["rejection_reason"] = ["A rejection needs a reason."]
    if errors:
        raise ValidationError(errors)
    return model_update(
        instance=application,
        fields=("rejection_reason",),
        data=data,
        actor=actor,
    )[0]


@transaction.atomic
def application_delete(*, application: Application, actor: Any) -> None:
    """Delete an application without interviews (else 409); its moves go with it."""
    require(actor is None or application_policy.can_delete(actor, application))
    model_delete(
        instance=application,
        actor=actor,
        hint="Move it to 'withdrawn' or 'rejected' instead.",
    )


def _illegal_move(from_stage: str, to_stage: str) -> ValidationError:
    allowed = sorted(TRANSITIONS[from_stage])
    if from_stage in FINAL_STAGES:
        hint = f"'{from_stage}' is final."
    else:
        hint = f"From '{from_stage}' it can move to: {', '.join(allowed)}."
    return ValidationError(
        {
            "stage": [
                f"An application cannot move from '{from_stage}' to '{to_stage}'. "
                + hint
            ]
        }
    )


@transaction.atomic
def application_move(
    *,
    application: Application,
    actor: Any,
    stage: str,
    reason: str = "",
    now: datetime | None = None,
) -> Application:
    """Move an application along the stage machine, recording the move.

    A move to 'rejected' keeps its reason. A move to 'hired' needs the position
    open; it fills the position (filled_on = today) and adds one to the team's
    current headcount, all in this transaction.
    """
    require(
        actor is None or application_policy.can_move(actor, application),
        MOVE_NOT_ALLOWED,
    )
    now = now or timezone.now()
    reason = reason.strip()
    # Locked: two moves of one application at once cannot both pass the check.
    application = Application.objects.select_for_update().get(pk=application.pk)
    from_stage = application.stage
    if stage not in Stage.values:
        raise ValidationError({"stage": [f"'{stage}' is not a stage."]})
    if stage not in TRANSITIONS[from_stage]:
        raise _illegal_move(from_stage, stage)
    if stage == Stage.REJECTED and not reason:
        raise ValidationError({"reason": ["A rejection needs a reason."]})
    position = None
    if stage == Stage.HIRED:
        # Locked: two hires into one position cannot both see it open.
        position = Position.objects.select_for_update().get(pk=application.position_id)
        if position.status != PositionStatus.OPEN:
            raise ValidationError(
                {
                    "stage": [
                        f"The position is {position.status}; an application can "
                        "move to 'hired' only while its position is open."
                    ]
                }
            )

    application.stage = stage
    application.stage_changed_at = now
    update_fields = ["stage", "stage_changed_at", "updated_at"]
    if stage == Stage.REJECTED:
        application.rejection_reason = reason
        update_fields.append("rejection_reason")
    if actor is not None:
        application._history_user = actor  # type: ignore[attr-defined]
    application.save(update_fields=update_fields)
    StageMove.objects.create(
        application=application,
        from_stage=from_stage,
        to_stage=stage,
        at=now,
        by=actor,
        reason=reason,
    )
    if position is not None:
        _fill_position(position, actor=actor, today=timezone.localdate(now))
    return application


def _fill_position(position: Position, *, actor: Any, today: date) -> None:
    """Mark the position filled today and count the hire in its team."""
    position.status = PositionStatus.FILLED
    position.filled_on = max(today, position.opened_on or today)
    if actor is not None:
        position._history_user = actor  # type: ignore[attr-defined]
    position.save(update_fields=["status", "filled_on", "updated_at"])
    team = Team.objects.select_for_update().get(pk=position.team_id)
    team.current_headcount += 1
    if actor is not None:
        team._history_user = actor  # type: ignore[attr-defined]
    team.save(update_fields=["current_headcount", "updated_at"])
    if team.product_id is not None:
        products_changed_notify(product_ids=[team.product_id])


# --- interviews ------------------------------------------------------------------


def _check_interviewer(interviewer: Any) -> None:
    _check_user_role(
        "interviewer",
        interviewer,
        INTERVIEWER_ROLES,
        "the CPO, a recruiter or a product manager",
    )


@transaction.atomic
def interview_create(
    *,
    actor: Any,
    application: Application,
    interviewer: Any,
    kind: str,
    scheduled_at: datetime,
    completed_at: datetime | None = None,
    rating: int | None = None,
    recommendation: str = "",
    notes: str = "",
) -> Interview:
    """Schedule an interview (and, optionally, record its scorecard)."""
    require(actor is None or interview_policy.can_create(actor))
    _check_interviewer(interviewer)
    interview = Interview(
        application=application,
        interviewer=interviewer,
        kind=kind,
        scheduled_at=scheduled_at,
        completed_at=completed_at,
        rating=rating,
        recommendation=recommendation,
        notes=notes,
    )
    return model_create(instance=interview, actor=actor)


@transaction.atomic
def interview_update(
    *, interview: Interview, actor: Any, data: Mapping[str, Any]
) -> Interview:
    """Change an interview; its interviewer writes only the scorecard."""
    require(
        actor is None or interview_policy.can_change(actor, interview),
        "Only the interviewer, the CPO or a recruiter may write this scorecard.",
    )
    changed = {
        n for n in INTERVIEW_FIELDS if n in data and data[n] != getattr(interview, n)
    }
    if actor is not None and not interview_policy.can_write_all_fields(actor):
        beyond = sorted(changed - set(Interview.SCORECARD_FIELDS))
        require(
            not beyond,
            "As the interviewer you may only write the scorecard "
            f"({', '.join(Interview.SCORECARD_FIELDS)}); not: {', '.join(beyond)}.",
        )
    if "application" in changed:
        raise ValidationError(
            {"application": ["An interview cannot move to another application."]}
        )
    if "interviewer" in changed:
        _check_interviewer(data["interviewer"])
    return model_update(
        instance=interview, fields=INTERVIEW_FIELDS, data=data, actor=actor
    )[0]


@transaction.atomic
def interview_delete(*, interview: Interview, actor: Any) -> None:
    """Delete an interview."""
    require(actor is None or interview_policy.can_delete(actor, interview))
    model_delete(instance=interview, actor=actor)


# Each entity's services, for the generic viewsets, admin and import code.
TEAM = EntityServices(team_create, team_update, team_delete, "team")
POSITION = EntityServices(position_create, position_update, position_delete, "position")
CANDIDATE = EntityServices(
    candidate_create, candidate_update, candidate_delete, "candidate"
)
APPLICATION = EntityServices(
    application_create, application_update, application_delete, "application"
)
INTERVIEW = EntityServices(
    interview_create, interview_update, interview_delete, "interview"
)
