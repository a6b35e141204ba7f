"""Synthetic hiring and launch rows for `manage.py bench_pages` (/hiring/, /report/).

`seed_scale` loads products, KPIs, items and teams; the hiring page and the
report also read positions, applications (with their stage moves), candidates
and launches. Per product: one open position per team (aged 0-120 days) with 6
applications spread over the stages, one filled position, and two launches (one
in the last 30 days, one planned). Bulk inserts: seconds at 1,000 products.
"""

import itertools
import random
from datetime import timedelta

from django.utils import timezone

from hiring.models import (
    PIPELINE,
    Application,
    Candidate,
    Position,
    PositionStatus,
    Stage,
    StageMove,
    Team,
)
from roadmaps.models import Launch, LaunchStatus

BATCH = 5000
STAGES = (
    Stage.APPLIED,
    Stage.SCREENING,
    Stage.INTERVIEW,
    Stage.OFFER,
    Stage.REJECTED,
    Stage.WITHDRAWN,
)


def _path(stage: str) -> list[str]:
    if stage in PIPELINE:
        return list(PIPELINE[: PIPELINE.index(stage) + 1])
    return [Stage.APPLIED, stage]


def seed_hiring_and_launches(*, prefix: str, seed: int = 5) -> None:
    rng = random.Random(seed)  # noqa: S311 — synthetic data
    today = timezone.localdate()
    now = timezone.now()
    teams = list(Team.objects.filter(product__slug__startswith=prefix).order_by("pk"))
    positions = []
    for team in teams:
        positions.append(
            Position(
                team=team,
                title=f"Engineer for {team.name}",
                level="Senior",
                status=PositionStatus.OPEN,
                opened_on=today - timedelta(days=rng.randint(0, 120)),
                target_fill_date=today + timedelta(days=rng.randint(-30, 60)),
            )
        )
    product_ids = sorted({t.product_id for t in teams if t.product_id})
    first_team: dict[int | None, Team] = {}
    for team in teams:
        first_team.setdefault(team.product_id, team)
    for product_id in product_ids:
        opened = today - timedelta(days=rng.randint(40, 150))
        positions.append(
            Position(
                team=first_team[product_id],
                title="Designer",
                status=PositionStatus.FILLED,
                opened_on=opened,
                filled_on=opened + timedelta(days=rng.randint(10, 39)),
            )
        )
    Position.objects.bulk_create(positions, batch_size=BATCH)
    open_positions = [p for p in positions if p.status == PositionStatus.OPEN]
    candidates = [
        Candidate(full_name=f"Bench Candidate {i}", source="inbound")
        for i in range(len(open_positions) * len(STAGES))
    ]
    Candidate.objects.bulk_create(candidates, batch_size=BATCH)
    pairs = zip(itertools.product(open_positions, STAGES), candidates, strict=True)
    applications = [
        Application(
            candidate=candidate,
            position=position,
            stage=stage,
            stage_changed_at=now - timedelta(days=rng.randint(0, 30)),
        )
        for (position, stage), candidate in pairs
    ]
    Application.objects.bulk_create(applications, batch_size=BATCH)
    moves = [
        StageMove(application=a, from_stage=x, to_stage=y, at=a.stage_changed_at)
        for a in applications
        for x, y in itertools.pairwise(_path(a.stage))
    ]
    StageMove.objects.bulk_create(moves, batch_size=BATCH)
    launches = []
    for product_id in product_ids:
        launches.append(
            Launch(
                product_id=product_id,
                name="Spring launch",
                launch_date=today - timedelta(days=rng.randint(1, 30)),
                status=LaunchStatus.LAUNCHED,
            )
        )
        launches.append(
            Launch(
                product_id=product_id,
                name="Next launch",
                launch_date=today + timedelta(days=rng.randint(1, 90)),
            )
        )
    Launch.objects.bulk_create(launches, batch_size=BATCH)
