"""Writes of the health engine: the policy, recompute runs, snapshots, clean-up.

A recompute is a `RecomputeRun` split into `RecomputeChunk`s of products; each
chunk is scored by one task (`health.tasks.health_chunk_process_task`), any
worker may take any chunk, and the last chunk to finish writes the portfolio
snapshot. In the embedded default (eager Celery) the chunks run in-process right
after the commit that started the run.
"""

import io
import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.permissions import require
from accounts.roles import Role, has_role
from portfolio.services import products_health_store_many

from . import scoring, selectors
from .models import (
    HealthPolicy,
    PortfolioSnapshot,
    ProductSnapshot,
    RecomputeChunk,
    RecomputeRun,
    RunKind,
    RunState,
)

# Chunks: a full recompute is split so that any number of workers share it.
# Measured with `bench_health --workers` (PostgreSQL, 2 cores, 10 KPIs per
# product, docs/scaling.md): each chunk costs a fixed ~25 ms (its task, five
# queries' planning, the commit) besides ~0.25 ms per product, so at 10,000
# products 2 workers took 3.6 s in chunks of 250, 3.7 s of 500 and 3.0 s of
# 1,000. Chunks are therefore as large as possible — up to CHUNK_SIZE, which
# bounds a task's memory (~15 MB) and time (~0.5 s, far below the limits) —
# while a run still has MIN_CHUNKS of them to spread over the workers (1,000
# products: 8 chunks of 125), and never smaller than MIN_CHUNK_SIZE.
# Both from the settings (HEALTH_CHUNK_SIZE, HEALTH_MIN_CHUNKS in the environment).
CHUNK_SIZE: int = settings.HEALTH_CHUNK_SIZE
MIN_CHUNKS: int = settings.HEALTH_MIN_CHUNKS
MIN_CHUNK_SIZE = 50
# Changes to one product within this many seconds fold into one recompute.
DEBOUNCE_SECONDS = 2
DEBOUNCE_KEY = "health:pending:{}"
# SPEC §2: every snapshot is kept for 35 days, then the last one of each day.
KEEP_ALL_DAYS = 35

POLICY_FIELDS = (
    "kpi_weight",
    "delivery_weight",
    "staffing_weight",
    "healthy_threshold",
    "at_risk_threshold",
    "delivery_window_days",
    "trend_days",
)


def can_edit_policy(user: Any) -> bool:
    """The policy and on-demand recomputes are the CPO's (SPEC §3)."""
    return has_role(user, Role.CPO)


def _check_policy(values: Mapping[str, Any]) -> None:
    weights = [values[f] for f in ("kpi_weight", "delivery_weight", "staffing_weight")]
    errors: dict[str, list[str]] = {}
    if any(w < 0 for w in weights):
        errors["weights"] = ["Every weight must be 0 or more."]
    elif not any(w > 0 for w in weights):
        errors["weights"] = ["At least one weight must be above 0."]
    healthy, at_risk = values["healthy_threshold"], values["at_risk_threshold"]
    if not 0 <= at_risk < healthy <= 100:
        errors["thresholds"] = [
            "Thresholds must satisfy 0 ≤ at_risk < healthy ≤ 100 "
            f"(got at_risk {at_risk:g}, healthy {healthy:g})."
        ]
    for name in ("delivery_window_days", "trend_days"):
        if values[name] < 1:
            errors[name] = ["Must be at least 1 day."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def policy_update(*, actor: Any, data: Mapping[str, Any]) -> HealthPolicy:
    """Change the health policy (CPO); a change triggers a full recompute."""
    require(actor is None or can_edit_policy(actor), "Only the CPO edits the policy.")
    policy = HealthPolicy.objects.select_for_update().get_or_create(pk=1)[0]
    values = {name: data.get(name, getattr(policy, name)) for name in POLICY_FIELDS}
    _check_policy(values)
    changed = [n for n in POLICY_FIELDS if getattr(policy, n) != values[n]]
    if not changed:
        return policy
    for name in changed:
        setattr(policy, name, values[name])
    if actor is not None:
        policy._history_user = actor  # type: ignore[attr-defined]
    policy.save(update_fields=[*changed, "updated_at"])
    health_run_start(actor=actor)
    return policy


# --- runs -----------------------------------------------------------------------


def chunk_size_for(total: int) -> int:
    """Products per chunk for a run of `total`: see CHUNK_SIZE."""
    return min(CHUNK_SIZE, max(MIN_CHUNK_SIZE, math.ceil(total / MIN_CHUNKS)))


@transaction.atomic
def health_run_start(
    *,
    product_ids: Iterable[int] | None = None,
    actor: Any = None,
    now: datetime | None = None,
) -> RecomputeRun:
    """Start a recompute of all scored products, or of these; chunks run on commit."""
    from .tasks import health_chunk_process_task

    # The policy row exists before any chunk runs (else concurrent chunks would
    # each try to create it, and wait on one another inside their transactions).
    selectors.policy_get()
    ids = selectors.scored_product_ids(product_ids)
    run = RecomputeRun.objects.create(
        kind=RunKind.FULL if product_ids is None else RunKind.PRODUCTS,
        computed_at=now or timezone.now(),
        total=len(ids),
        requested_by=actor if getattr(actor, "pk", None) else None,
    )
    size = chunk_size_for(len(ids))
    chunks = RecomputeChunk.objects.bulk_create(
        RecomputeChunk(run=run, index=n, product_ids=ids[start : start + size])
        for n, start in enumerate(range(0, len(ids), size))
    )
    if not chunks:
        # Nothing to score (say, one retired product): the run still ends with
        # a portfolio snapshot.
        transaction.on_commit(lambda: health_run_finish(run_id=run.pk), robust=True)
        return run
    run_id = str(run.pk)
    for chunk in chunks:
        index = chunk.index
        transaction.on_commit(
            lambda index=index: health_chunk_process_task.delay(run_id, index),  # type: ignore[misc]
            robust=True,
        )
    return run


def health_chunk_process(*, run_id: Any, index: int) -> bool:
    """Score one chunk of a run, once: returns False when it was already done.

    The race this lock prevents: a chunk delivered twice (a redelivery after a
    worker died, or the hourly reconciliation re-sending it) and taken by two
    workers at once would be scored twice and counted twice in `done`. The
    chunk row is locked (`SELECT … FOR UPDATE`) for the whole transaction, so
    the second waits for the first and then finds `done_at` set: every product
    of the run is scored, and counted, exactly once. A worker killed mid-chunk
    leaves nothing behind: its transaction never commits.
    """
    with transaction.atomic():
        chunk = (
            # of=self: lock the chunk row only. A plain FOR UPDATE would lock the
            # joined run row too, and serialise every chunk of the run.
            RecomputeChunk.objects.select_for_update(of=("self",))
            .select_related("run")
            .filter(run_id=run_id, index=index)
            .first()
        )
        if chunk is None:
            return False
        scored = chunk.done_at is None
        if scored:
            _commit_without_flush_wait()
            run = chunk.run
            products_score(product_ids=chunk.product_ids, now=run.computed_at, run=run)
            chunk.done_at = timezone.now()
            chunk.save(update_fields=["done_at"])
            RecomputeRun.objects.filter(pk=run.pk).update(
                done=F("done") + len(chunk.product_ids),
                state=RunState.PROGRESS,
                updated_at=timezone.now(),
            )
    # Also when the chunk was done already: a worker that died between its
    # commit and here never finished the run.
    health_run_finish(run_id=run_id)
    return scored


def _commit_without_flush_wait() -> None:
    """This transaction's COMMIT does not wait for its WAL to reach the disk.

    A chunk is derived data: should PostgreSQL crash within the WAL writer's
    delay (≤ 0.6 s by default) after the commit, the chunk is lost whole (its
    snapshots, product health and `done_at` together, never in part) and the
    hourly reconciliation sends it again. In exchange a chunk does not wait for
    an fsync (~10 ms here, far more on network disks).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def health_run_finish(*, run_id: Any) -> bool:
    """When every chunk is done, write the portfolio snapshot and mark success."""
    with transaction.atomic():
        run = RecomputeRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.state in (RunState.SUCCESS, RunState.FAILURE):
            return False
        if run.done < run.total:
            return False
        portfolio_snapshot_take(now=run.computed_at, run=run)
        run.state = RunState.SUCCESS
        run.finished_at = timezone.now()
        run.save(update_fields=["state", "finished_at", "updated_at"])
    return True


def stalled_after() -> timedelta:
    """How long a run may go without progress before its chunks are sent again.

    Past the broker's visibility timeout (when Redis redelivers a task whose
    worker died without acknowledging it) plus the hard time limit (the longest
    a chunk may legitimately take): by then a chunk still not done had its
    message lost — a broker restart, or a purge — not merely delayed.
    """
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    return timedelta(
        seconds=options.get("visibility_timeout", 3600)
        + settings.CELERY_TASK_TIME_LIMIT
    )


# A run that has not finished this long after it started is failed: the CPO
# sees "failure" rather than a progress bar that never moves.
ABANDON_AFTER = timedelta(hours=6)


def health_runs_reconcile(*, now: datetime | None = None) -> int:
    """Heal runs whose chunk messages were lost; returns the chunks sent again.

    Called by the hourly run. Chunk tasks are idempotent, so sending one that
    was only slow costs a no-op. A run whose chunks are all done but that never
    finished (its last worker died after committing) is finished here.
    """
    from .tasks import health_chunk_process_task

    now = now or timezone.now()
    open_runs = RecomputeRun.objects.filter(
        state__in=[RunState.PENDING, RunState.PROGRESS]
    )
    for run_id in open_runs.filter(created_at__lt=now - ABANDON_AFTER).values_list(
        "pk", flat=True
    ):
        health_run_fail(run_id=run_id, error="abandoned: not finished in 6 hours")
    sent = 0
    for run in open_runs.filter(updated_at__lt=now - stalled_after()):
        missing = list(
            run.chunks.filter(done_at__isnull=True).values_list("index", flat=True)
        )
        if not missing:
            health_run_finish(run_id=run.pk)
        for index in missing:
            health_chunk_process_task.delay(str(run.pk), index)
        sent += len(missing)
    return sent


def health_run_fail(*, run_id: Any, error: str) -> None:
    """Mark a run failed (a chunk hit an error that retrying will not cure)."""
    RecomputeRun.objects.filter(pk=run_id).exclude(state=RunState.SUCCESS).update(
        state=RunState.FAILURE,
        error=error[:2000],
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


# --- scoring and snapshots ---------------------------------------------------------


def products_score(
    *, product_ids: list[int], now: datetime, run: RecomputeRun | None = None
) -> list[scoring.ProductHealth]:
    """Score these products as of `now`, store their snapshots and latest health."""
    policy = selectors.policy_as_scoring(selectors.policy_get())
    today = timezone.localdate(now)
    gathered = selectors.health_inputs_gather(
        product_ids=product_ids, now=now, today=today, policy=policy
    )
    results = [
        scoring.score_product(inputs, policy=policy, now=now, today=today)
        for inputs in gathered.inputs
    ]
    snapshots_write(results=results, now=now, run=run)
    products_health_store_many(
        rows=[(r.product_id, r.score, r.status, r.trend) for r in results],
        computed_at=now,
    )
    return results


SNAPSHOT_COLUMNS = (
    "product_id",
    "run_id",
    "computed_at",
    "score",
    "status",
    "trend",
    "weakest",
    "components",
    "created_at",
)


def snapshots_write(
    *,
    results: list[scoring.ProductHealth],
    now: datetime,
    run: RecomputeRun | None = None,
) -> None:
    """Store one snapshot per result; a product scored twice for one moment (or
    one run) keeps its first snapshot (the unique keys decide, not the caller).

    On PostgreSQL the rows go in with one COPY: the explanations are ~5 KB of
    JSON each, and COPY stores 500 of them in ~45 ms where a multi-row INSERT
    (bulk_create) took 200-300 ms. A conflict — rare: only a re-score of the
    same moment — rolls the COPY's savepoint back and falls back to
    `INSERT … ON CONFLICT DO NOTHING`.
    """
    if not results:
        return
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic():
                _snapshots_copy(results, now, run)
            return
        except IntegrityError:
            pass
    ProductSnapshot.objects.bulk_create(
        [
            ProductSnapshot(
                product_id=result.product_id,
                run=run,
                computed_at=now,
                score=result.score,
                status=result.status,
                trend=result.trend,
                weakest=result.weakest or "",
                components=result.to_dict()["components"],
            )
            for result in results
        ],
        ignore_conflicts=True,
    )


def _copy_value(value: Any) -> str:
    """A value in COPY's text format (NULL is \\N; the JSON's backslashes doubled:
    JSON escapes tabs and newlines, so no other character needs it)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.replace("\\", "\\\\")
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value) if isinstance(value, float) else str(value)


def _snapshots_copy(
    results: list[scoring.ProductHealth], now: datetime, run: RecomputeRun | None
) -> None:
    run_id = None if run is None else str(run.pk)
    created = timezone.now()
    buffer = io.StringIO()
    for result in results:
        row = (
            result.product_id,
            run_id,
            now,
            result.score,
            result.status,
            result.trend,
            result.weakest or "",
            result.components_json().decode(),
            created,
        )
        buffer.write("\t".join(map(_copy_value, row)))
        buffer.write("\n")
    buffer.seek(0)
    table = connection.ops.quote_name(ProductSnapshot._meta.db_table)
    # copy_expert bypasses Django's error translation: a conflict must arrive as
    # django.db.IntegrityError for snapshots_write to fall back.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.copy_expert(
            f"COPY {table} ({', '.join(SNAPSHOT_COLUMNS)}) FROM STDIN", buffer
        )


def portfolio_snapshot_take(
    *, now: datetime | None = None, run: RecomputeRun | None = None
) -> PortfolioSnapshot:
    """Snapshot the portfolio from the products' stored latest health."""
    now = now or timezone.now()
    policy = selectors.policy_as_scoring(selectors.policy_get())
    result = scoring.score_portfolio(
        selectors.portfolio_inputs(),
        policy=policy,
        previous_score=selectors.portfolio_previous_score(
            now=now, trend_days=policy.trend_days
        ),
    )
    try:
        with transaction.atomic():
            return PortfolioSnapshot.objects.create(
                run=run,
                computed_at=now,
                score=result.score,
                status=result.status,
                trend=result.trend,
                counts=result.counts,
            )
    except IntegrityError:
        # Already taken for this moment (a finish redelivered): keep the first.
        return PortfolioSnapshot.objects.get(computed_at=now)


# --- when it runs -------------------------------------------------------------------


def health_schedule(*, product_ids: Iterable[int]) -> list[int]:
    """Queue a recompute of these products, folding bursts into one run each.

    A product already waiting (its key is in the shared cache) is not queued
    again: the waiting run will read its newest data. Returns the ids queued.
    """
    from .tasks import health_recompute_products_task

    queued = [
        pk
        for pk in sorted({int(pk) for pk in product_ids})
        if cache.add(DEBOUNCE_KEY.format(pk), 1, timeout=DEBOUNCE_SECONDS * 30)
    ]
    if queued:
        health_recompute_products_task.apply_async(
            args=[queued], countdown=DEBOUNCE_SECONDS
        )
    return queued


def health_recompute_scheduled(*, product_ids: list[int]) -> RecomputeRun:
    """Run the recompute a burst of changes asked for."""
    # Released first: a change arriving from now on queues a run of its own, so
    # none is lost between this read and the next.
    cache.delete_many([DEBOUNCE_KEY.format(pk) for pk in product_ids])
    return health_run_start(product_ids=product_ids)


@transaction.atomic
def health_recompute_request(
    *, actor: Any, product_ids: list[int] | None = None
) -> RecomputeRun:
    """The CPO's "Recompute now": all products, or these (unknown ids are a 400)."""
    require(can_edit_policy(actor), "Only the CPO may recompute.")
    if product_ids is not None:
        known = set(
            selectors.scored_products()
            .filter(pk__in=product_ids)
            .values_list("pk", flat=True)
        )
        missing = sorted(set(product_ids) - known)
        if missing:
            raise ValidationError(
                {
                    "products": [
                        "Unknown or retired products: "
                        + ", ".join(str(pk) for pk in missing)
                        + "."
                    ]
                }
            )
    return health_run_start(product_ids=product_ids, actor=actor)


def snapshots_prune(*, now: datetime | None = None) -> int:
    """Keep every snapshot for 35 days, then only the last one of each day."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=KEEP_ALL_DAYS)
    deleted = 0
    for model, same in ((ProductSnapshot, ("product",)), (PortfolioSnapshot, ())):
        day = TruncDate("computed_at")  # in the configured time zone
        later_that_day = model.objects.annotate(day=day).filter(
            day=OuterRef("day"),
            computed_at__gt=OuterRef("computed_at"),
            **{name: OuterRef(name) for name in same},
        )
        superseded = (
            model.objects.filter(computed_at__lt=cutoff)
            .annotate(day=day)
            .filter(Exists(later_that_day))
            .values("pk")
        )
        deleted += model.objects.filter(pk__in=Subquery(superseded)).delete()[0]
    return deleted
