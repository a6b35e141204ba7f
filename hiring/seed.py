"""Demo hiring: a team per product (some understaffed), 20 positions in every
status, 64 candidates over every stage with their recorded moves, interviews with
scorecards, a few hires and rejections.

Idempotent: teams, positions and candidates are looked up by their natural keys
first, and a position's pipeline is seeded together with the position, so a
second run adds nothing. Everything is written through the services (history,
the stage machine, the hire's effects) with backdated times, so the funnel and
time-to-fill have a believable history.
"""

import random
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from portfolio.models import Product

from . import services
from .models import PIPELINE, Candidate, Position, PositionStatus, Stage, Team

# product name → (planned headcount, current headcount before the demo hires)
TEAMS: dict[str, tuple[int, int]] = {
    "Checkout": (12, 11),
    "Payouts": (9, 6),
    "Recurring Billing": (8, 7),
    "Fraud Shield": (7, 3),
    "Legacy Terminal": (0, 0),
    "Storefront": (11, 10),
    "Order Hub": (8, 5),
    "Catalog Sync": (3, 3),
    "B2B Portal": (6, 2),
    "Demand Forecast": (5, 3),
    "Merchant Copilot": (4, 1),
    "Revenue Analytics": (5, 4),
}

# product, title, level, final status, opened days ago, stages of its pipeline
POSITIONS: list[tuple[str, str, str, str, int | None, list[str]]] = [
    (
        "Checkout",
        "Senior Backend Engineer",
        "Senior",
        "filled",
        95,
        ["hired", "rejected", "withdrawn"],
    ),
    (
        "Checkout",
        "Product Designer",
        "Mid",
        "open",
        20,
        ["applied", "screening", "interview", "rejected", "offer", "applied"],
    ),
    (
        "Payouts",
        "Staff Engineer, Ledger",
        "Staff",
        "open",
        75,
        [
            "screening",
            "interview",
            "offer",
            "rejected",
            "applied",
            "withdrawn",
            "interview",
        ],
    ),
    (
        "Payouts",
        "Engineering Manager",
        "Manager",
        "filled",
        130,
        ["hired", "rejected", "rejected"],
    ),
    (
        "Recurring Billing",
        "Frontend Engineer",
        "Mid",
        "on_hold",
        50,
        ["screening", "applied", "withdrawn", "interview"],
    ),
    (
        "Fraud Shield",
        "Machine Learning Engineer",
        "Senior",
        "open",
        110,
        ["interview", "interview", "offer", "rejected", "screening"],
    ),
    (
        "Fraud Shield",
        "Data Scientist",
        "Senior",
        "open",
        40,
        ["applied", "screening", "withdrawn", "rejected"],
    ),
    ("Fraud Shield", "Risk Analyst", "Junior", "draft", None, []),
    (
        "Storefront",
        "Senior Product Manager",
        "Senior",
        "filled",
        70,
        ["hired", "rejected", "withdrawn", "rejected"],
    ),
    ("Storefront", "iOS Engineer", "Mid", "cancelled", 60, ["withdrawn", "rejected"]),
    (
        "Order Hub",
        "Backend Engineer",
        "Mid",
        "open",
        15,
        ["applied", "applied", "screening", "interview", "withdrawn"],
    ),
    ("Order Hub", "QA Engineer", "Mid", "on_hold", 85, ["screening", "interview"]),
    (
        "Catalog Sync",
        "Integration Engineer",
        "Senior",
        "cancelled",
        100,
        ["rejected", "withdrawn"],
    ),
    (
        "B2B Portal",
        "Full-stack Engineer",
        "Senior",
        "open",
        65,
        ["interview", "offer", "screening", "rejected"],
    ),
    ("B2B Portal", "Solutions Architect", "Staff", "draft", None, []),
    ("Demand Forecast", "Data Engineer", "Senior", "filled", 55, ["hired", "rejected"]),
    (
        "Demand Forecast",
        "Applied Scientist",
        "Senior",
        "open",
        5,
        ["applied", "applied", "screening", "screening"],
    ),
    (
        "Merchant Copilot",
        "LLM Engineer",
        "Senior",
        "open",
        33,
        ["screening", "interview", "rejected", "applied", "offer"],
    ),
    ("Merchant Copilot", "Conversation Designer", "Mid", "draft", None, []),
    (
        "Revenue Analytics",
        "Analytics Engineer",
        "Mid",
        "cancelled",
        45,
        ["rejected", "withdrawn"],
    ),
]

FIRST = [
    "Amara",
    "Bastian",
    "Chen",
    "Dalia",
    "Emeka",
    "Freya",
    "Goran",
    "Hana",
    "Ines",
    "Jonas",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
]
LAST = ["Adeyemi", "Berg", "Castillo", "Dubois"]
SOURCES = ["referral", "inbound", "sourced", "agency", "internal"]
REJECTIONS = [
    "Salary expectations far above the band.",
    "System design below the level.",
    "Chose another candidate with payments experience.",
    "Not enough product sense for the role.",
]
KINDS = ["screen", "technical", "product", "culture", "final"]
NOTES = {
    1: "Struggled with the fundamentals.",
    2: "Some gaps; would need support.",
    3: "Solid; clear communicator.",
    4: "Outstanding; raised the bar.",
}
RECOMMENDATION = {1: "strong_no", 2: "no", 3: "yes", 4: "strong_yes"}


def _path(stage: str, rng: random.Random) -> list[str]:
    """The stages an application passes to end in `stage`."""
    if stage in PIPELINE:
        return list(PIPELINE[: PIPELINE.index(stage) + 1])
    # Rejected or withdrawn somewhere along the way.
    depth = rng.randint(1, 4)
    return [*PIPELINE[:depth], stage]


def _candidates(rng: random.Random) -> list[tuple[str, str, str, str]]:
    people = []
    for i, (first, last) in enumerate((f, la) for la in LAST for f in FIRST):
        people.append(
            (
                f"{first} {last}",
                f"{first.lower()}.{last.lower()}@example.net",
                f"+49 30 5550 {i:03d}",
                SOURCES[i % len(SOURCES)],
            )
        )
    rng.shuffle(people)
    return people


def seed_demo(ctx: dict[str, Any]) -> None:
    """Create the demo hiring data once; later runs find it and add nothing."""
    rng = random.Random(8)  # the same demo every time
    users = ctx.get("demo_users", {})
    recruiter = users.get("recruiter")
    cpo = users.get("cpo")
    products = ctx.get("products") or list(Product.objects.order_by("name"))
    by_name = {p.name: p for p in products}
    now = timezone.now()
    today = timezone.localdate()

    teams: dict[str, Team] = {}
    for name, (planned, current) in TEAMS.items():
        product = by_name.get(name)
        if product is None:
            continue
        team_name = f"{name} team"
        team = Team.objects.filter(product=product, name=team_name).first()
        if team is None:
            lead = product.managers.order_by("username").first()
            team = services.team_create(
                actor=recruiter,
                name=team_name,
                product=product,
                lead=lead,
                planned_headcount=planned,
                current_headcount=current,
            )
        teams[name] = team
    ctx["teams"] = list(teams.values())

    people = _candidates(rng)
    positions = []
    for row in POSITIONS:
        product_name, title, level, status, opened_days, stages = row
        team = teams.get(product_name)
        if team is None:
            continue
        # Drawn before the lookup, so that a re-run draws the same values.
        picks = [people.pop() for _ in stages]
        existing = Position.objects.filter(team=team, title=title).first()
        if existing is not None:
            positions.append(existing)
            continue
        manager = team.lead or cpo
        opened_on = today - timedelta(days=opened_days) if opened_days else None
        position = services.position_create(
            actor=recruiter,
            team=team,
            title=title,
            level=level,
            status=PositionStatus.OPEN if opened_on else PositionStatus.DRAFT,
            opened_on=opened_on,
            target_fill_date=(opened_on or today) + timedelta(days=60),
            hiring_manager=manager,
            today=today,
        )
        opened_at = (
            timezone.make_aware(datetime.combine(opened_on, datetime.min.time()))
            if opened_on
            else now
        )
        # Hires last, so the other candidates move while the position is open.
        order = sorted(zip(stages, picks, strict=True), key=lambda sp: sp[0] == "hired")
        for stage, person in order:
            _seed_application(
                position=position,
                person=person,
                stage=stage,
                opened_at=opened_at,
                now=now,
                rng=rng,
                recruiter=recruiter,
                interviewers=[u for u in (manager, recruiter, cpo) if u is not None],
            )
        if status in (PositionStatus.ON_HOLD, PositionStatus.CANCELLED):
            services.position_update(
                position=position, actor=recruiter, data={"status": status}, today=today
            )
        positions.append(position)
    ctx["positions"] = positions


def _seed_application(
    *,
    position: Position,
    person: tuple[str, str, str, str],
    stage: str,
    opened_at: datetime,
    now: datetime,
    rng: random.Random,
    recruiter: Any,
    interviewers: list[Any],
) -> None:
    full_name, email, phone, source = person
    candidate = Candidate.objects.filter(email=email).first()
    if candidate is None:
        candidate = services.candidate_create(
            actor=recruiter,
            full_name=full_name,
            email=email,
            phone=phone,
            source=source,
            notes=f"Came in via {source}.",
        )
    path = _path(stage, rng)
    # Space the moves over the time since the position opened, ending before now.
    span = max((now - opened_at).total_seconds(), 3600.0)
    times = sorted(
        opened_at + timedelta(seconds=span * rng.uniform(0.02, 0.95)) for _ in path
    )
    application = services.application_create(
        actor=recruiter, candidate=candidate, position=position, now=times[0]
    )
    for to_stage, at in zip(path[1:], times[1:], strict=True):
        reason = ""
        if to_stage == Stage.REJECTED:
            reason = rng.choice(REJECTIONS)
        elif to_stage == Stage.WITHDRAWN:
            reason = "Accepted another offer."
        elif to_stage == Stage.SCREENING:
            reason = "CV matches the role."
        services.application_move(
            application=application,
            actor=recruiter,
            stage=to_stage,
            reason=reason,
            now=at,
        )
        if to_stage == Stage.INTERVIEW:
            _seed_interviews(application, at, now, rng, recruiter, interviewers)


def _seed_interviews(
    application: Any,
    at: datetime,
    now: datetime,
    rng: random.Random,
    recruiter: Any,
    interviewers: list[Any],
) -> None:
    for n in range(rng.randint(1, 3)):
        scheduled = at + timedelta(days=2 + 3 * n, hours=rng.randint(9, 16) - 12)
        done = scheduled < now - timedelta(hours=2)
        rating = rng.randint(1, 4) if done else None
        services.interview_create(
            actor=recruiter,
            application=application,
            interviewer=interviewers[n % len(interviewers)],
            kind=KINDS[min(n + 1, len(KINDS) - 1)],
            scheduled_at=scheduled,
            completed_at=scheduled + timedelta(hours=1) if done else None,
            rating=rating,
            recommendation=RECOMMENDATION[rating] if rating else "",
            notes=NOTES[rating] if rating else "",
        )
