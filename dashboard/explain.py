"""Why a score is what it is, in words: from a snapshot's components (SPEC §2).

Pure functions over the JSON the health engine stores with each snapshot
(`ProductSnapshot.components`): the dashboard's at-risk reasons and the product
page's explanation read the same records the score was computed from, so the
words can never disagree with the number. Links to the records are made by a
`Linker` the view passes (admin change pages for those who may use them, else
the API's detail URLs).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

COMPONENT_LABELS = {"kpi": "KPIs", "delivery": "Delivery", "staffing": "Staffing"}
# How many KPIs below target the product page names (the table lists them all).
LOWEST_KPIS = 3


@dataclass(frozen=True)
class RecordLink:
    label: str
    url: str
    note: str = ""


@dataclass(frozen=True)
class Finding:
    component: str
    text: str
    records: tuple[RecordLink, ...] = ()
    tone: str = "info"  # info | warn | bad


@dataclass(frozen=True)
class Linker:
    """URL makers for each kind of record (id in, URL out)."""

    kpi: Callable[[int], str]
    item: Callable[[int], str]
    team: Callable[[int], str]


@dataclass(frozen=True)
class ComponentView:
    name: str
    label: str
    present: bool
    rounded: float | None
    weight: float
    effective_weight: float
    summary: str
    findings: list[Finding] = field(default_factory=list)


def _score(value: Any) -> str:
    return "—" if value is None else f"{float(value):.1f}"


def _percent(value: float) -> str:
    return f"{round(value * 100):d} %"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def by_name(components: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The components keyed by name (kpi, delivery, staffing)."""
    return {c.get("name", ""): c for c in components if isinstance(c, dict)}


def _kpi_findings(c: dict[str, Any], links: Linker) -> tuple[str, list[Finding]]:
    details = c.get("details") or []
    counted = [d for d in details if d.get("counted")]
    stale = [d for d in counted if d.get("stale")]
    fresh = [d for d in counted if not d.get("stale")]
    skipped = [d for d in details if not d.get("counted")]
    summary = (
        f"KPIs score {_score(c.get('rounded'))} of 100: the weighted attainment of "
        f"{_plural(len(counted), 'KPI')} with a target."
    )
    findings = []
    if stale:
        findings.append(
            Finding(
                "kpi",
                f"{_plural(len(stale), 'KPI is', 'KPIs are')} stale (no measurement "
                "within twice the cadence) and count as 0:",
                tuple(
                    RecordLink(
                        d["name"],
                        links.kpi(d["id"]),
                        f"last measured {d['measured_at'][:10]}"
                        if d.get("measured_at")
                        else "never measured",
                    )
                    for d in stale
                ),
                "bad",
            )
        )
    below = sorted(
        (d for d in fresh if (d.get("attainment") or 0) < 1),
        key=lambda d: d.get("attainment") or 0,
    )[:LOWEST_KPIS]
    if below:
        findings.append(
            Finding(
                "kpi",
                "Furthest from target:",
                tuple(
                    RecordLink(
                        d["name"],
                        links.kpi(d["id"]),
                        f"at {_percent(d.get('attainment') or 0)} of the way from "
                        "baseline to target",
                    )
                    for d in below
                ),
                "warn",
            )
        )
    if skipped:
        findings.append(
            Finding(
                "kpi",
                "Not counted:",
                tuple(
                    RecordLink(d["name"], links.kpi(d["id"]), d.get("reason", ""))
                    for d in skipped
                ),
            )
        )
    return summary, findings


def _delivery_findings(
    c: dict[str, Any], links: Linker, window_days: int
) -> tuple[str, list[Finding]]:
    details = c.get("details") or []
    outcome: dict[str, list[dict[str, Any]]] = {
        "on_time": [],
        "late": [],
        "overdue": [],
    }
    for d in details:
        outcome.setdefault(d.get("outcome", ""), []).append(d)
    summary = (
        f"Delivery scores {_score(c.get('rounded'))} of 100 over "
        f"{_plural(len(details), 'item')} due in the last {window_days} days: "
        f"{len(outcome['on_time'])} on time, {len(outcome['late'])} late, "
        f"{len(outcome['overdue'])} overdue."
    )
    findings = []
    if outcome["overdue"]:
        findings.append(
            Finding(
                "delivery",
                "Overdue (due and not delivered, count 0):",
                tuple(
                    RecordLink(
                        d["title"], links.item(d["id"]), f"due {d['target_date']}"
                    )
                    for d in outcome["overdue"]
                ),
                "bad",
            )
        )
    if outcome["late"]:
        findings.append(
            Finding(
                "delivery",
                "Delivered late (count half):",
                tuple(
                    RecordLink(
                        d["title"],
                        links.item(d["id"]),
                        _late_note(d["target_date"], d.get("delivered_on")),
                    )
                    for d in outcome["late"]
                ),
                "warn",
            )
        )
    return summary, findings


def _late_note(target: str, delivered: str | None) -> str:
    if not delivered:
        return f"due {target}"
    days = (date.fromisoformat(delivered) - date.fromisoformat(target)).days
    return f"{_plural(days, 'day')} late (due {target}, delivered {delivered})"


def _staffing_findings(c: dict[str, Any], links: Linker) -> tuple[str, list[Finding]]:
    details = c.get("details") or []
    planned = sum(int(d.get("planned") or 0) for d in details)
    current = sum(int(d.get("current") or 0) for d in details)
    summary = (
        f"Staffing scores {_score(c.get('rounded'))} of 100: {current} of "
        f"{planned} planned people are in place across {_plural(len(details), 'team')}."
    )
    short = sorted(
        (d for d in details if (d.get("gap") or 0) > 0),
        key=lambda d: -(d.get("gap") or 0),
    )
    findings = []
    if short:
        findings.append(
            Finding(
                "staffing",
                "Understaffed:",
                tuple(
                    RecordLink(
                        d["name"],
                        links.team(d["id"]),
                        f"{_plural(int(d['gap']), 'person', 'people')} short "
                        f"({d['current']} of {d['planned']})",
                    )
                    for d in short
                ),
                "warn" if c.get("rounded", 0) >= 70 else "bad",
            )
        )
    return summary, findings


ABSENT = {
    "kpi": "No KPI component: no active KPI has a target and a weight above 0.",
    "delivery": "No delivery component: no roadmap item was due in the last "
    "{window} days.",
    "staffing": "No staffing component: the product's teams plan no headcount.",
}


def components_explained(
    components: Sequence[dict[str, Any]], *, links: Linker, window_days: int
) -> list[ComponentView]:
    """Each of the three components with its summary sentence and findings."""
    named = by_name(components)
    out = []
    for name in ("kpi", "delivery", "staffing"):
        c = named.get(name, {"name": name, "present": False})
        present = bool(c.get("present"))
        findings: list[Finding] = []
        if not present:
            summary = ABSENT[name].format(window=window_days)
        elif name == "kpi":
            summary, findings = _kpi_findings(c, links)
        elif name == "delivery":
            summary, findings = _delivery_findings(c, links, window_days)
        else:
            summary, findings = _staffing_findings(c, links)
        out.append(
            ComponentView(
                name=name,
                label=COMPONENT_LABELS[name],
                present=present,
                rounded=c.get("rounded") if present else None,
                weight=float(c.get("weight") or 0),
                effective_weight=float(c.get("effective_weight") or 0),
                summary=summary,
                findings=findings,
            )
        )
    return out


def verdict(
    *, score: float | None, status: str, trend: float | None, weakest: str, days: int
) -> str:
    """One sentence: the score, its status, its trend and the weakest component."""
    if score is None:
        return (
            "Not scored: none of the three components has data yet (no KPI with a "
            "target, no item due recently, no planned headcount)."
        )
    words = f"Health {score:.1f} of 100, {status.replace('_', ' ')}"
    if trend is None:
        words += f" (no score from {days} days ago to compare with)"
    elif trend > 0:
        words += f", up {trend:.1f} points over {days} days"
    elif trend < 0:
        words += f", down {-trend:.1f} points over {days} days"
    else:
        words += f", unchanged over {days} days"
    if weakest:
        words += f". The weakest component is {COMPONENT_LABELS.get(weakest, weakest)}"
    return words + "."


def headline(components: Sequence[dict[str, Any]], *, weakest: str) -> str:
    """A short reason for the at-risk list: the weakest component and its cause."""
    if not weakest:
        return "No component has data yet."
    c = by_name(components).get(weakest)
    if not c:
        return f"Weakest: {COMPONENT_LABELS.get(weakest, weakest)}."
    label = COMPONENT_LABELS.get(weakest, weakest)
    details = c.get("details") or []
    head = f"{label} {_score(c.get('rounded'))}"
    if weakest == "kpi":
        counted = [d for d in details if d.get("counted")]
        fresh = [d for d in counted if not d.get("stale")]
        stale = len(counted) - len(fresh)
        nowhere = sum(1 for d in fresh if (d.get("attainment") or 0) <= 0)
        below = sum(1 for d in fresh if 0 < (d.get("attainment") or 0) < 1)
        parts = []
        if stale:
            parts.append(_plural(stale, "stale KPI"))
        if nowhere:
            parts.append(f"{nowhere} of {len(counted)} at or behind baseline")
        if below:
            parts.append(f"{below} of {len(counted)} short of target")
        cause = ", ".join(parts) or "KPIs short of target"
    elif weakest == "delivery":
        overdue = sum(1 for d in details if d.get("outcome") == "overdue")
        late = sum(1 for d in details if d.get("outcome") == "late")
        parts = []
        if overdue:
            parts.append(_plural(overdue, "overdue item"))
        if late:
            parts.append(f"{late} delivered late")
        cause = ", ".join(parts) or "items not delivered on time"
    else:
        gap = sum(max(int(d.get("gap") or 0), 0) for d in details)
        teams = sum(1 for d in details if (d.get("gap") or 0) > 0)
        cause = (
            f"{_plural(gap, 'person', 'people')} short in {_plural(teams, 'team')}"
            if gap
            else "headcount below plan"
        )
    return f"{head}: {cause}."
