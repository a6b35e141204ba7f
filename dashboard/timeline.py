"""The portfolio roadmap as one SVG timeline: a lane per product (pure layout).

Each lane is a header row (the product's name, its launches as flag
milestones) followed by one row per dated item: a bar from start to target,
earlier target dates as hollow circles joined to the current one (slips), the
delivery as a diamond. One date axis for every lane, today marked. Same shapes
and classes as the product page's strip (`charts.roadmap_strip`).
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

from .charts import DateAxis, StripInput, Tick, _fmt, bar_marks

ROW = 20
HEADER = 24
AXIS = 22


@dataclass(frozen=True)
class LaunchInput:
    id: int
    name: str
    launch_date: date
    status: str


@dataclass(frozen=True)
class LaneInput:
    slug: str
    name: str
    status: str  # the product's health status
    items: Sequence[StripInput]
    launches: Sequence[LaunchInput] = ()
    more: int = 0  # items left out of the lane (shown on the product page)


@dataclass(frozen=True)
class TimelineItem:
    title: str
    css: str
    y: str
    bar_x: str
    bar_w: str
    target_x: str
    delivered_x: str
    slip_xs: list[str]
    slip_from_x: str
    label_x: str
    label_anchor: str
    slips: int


@dataclass(frozen=True)
class TimelineLaunch:
    name: str
    status: str
    x: str
    when: date


@dataclass(frozen=True)
class Lane:
    slug: str
    name: str
    status: str
    y: str
    height: str
    label_y: str
    items: list[TimelineItem]
    launches: list[TimelineLaunch]
    more: int
    summary: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    left: int
    right: int
    axis_y: str
    today_x: str
    ticks: list[Tick]
    lanes: list[Lane] = field(default_factory=list)
    summary: str = ""


# Room the "today" label needs around the today line, in SVG units (left, right):
# a month name ("Sep", "Jan 2027") starting in it would overlap the label.
TODAY_LABEL_CLEARANCE = (24.0, 34.0)


def portfolio_timeline(
    lanes: Sequence[LaneInput],
    *,
    today: date,
    days_back: int = 120,
    days_ahead: int = 240,
    width: int = 1000,
) -> Timeline:
    """Lay out the lanes one below the other on a shared date axis."""
    axis = DateAxis.around(
        today, days_back=days_back, days_ahead=days_ahead, width=width
    )
    start, end, x_of = axis.start, axis.end, axis.x

    y = AXIS
    laid: list[Lane] = []
    total_items = total_slipped = 0
    for lane in lanes:
        top = y
        launches = [
            TimelineLaunch(
                launch.name,
                launch.status,
                _fmt(x_of(launch.launch_date)),
                launch.launch_date,
            )
            for launch in lane.launches
            if start <= launch.launch_date <= end
        ]
        y += HEADER
        items = []
        for item in lane.items:
            items.append(
                TimelineItem(
                    title=item.title,
                    css=item.outcome,
                    y=str(y + 3),
                    slips=len(item.previous_targets),
                    **asdict(
                        bar_marks(
                            axis,
                            start=item.start,
                            target=item.target,
                            delivered=item.delivered,
                            previous_targets=item.previous_targets,
                        )
                    ),
                )
            )
            y += ROW
        slipped = sum(1 for item in lane.items if item.previous_targets)
        total_items += len(lane.items)
        total_slipped += slipped
        summary = (
            f"{lane.name}: {len(lane.items)} dated item"
            f"{'s' if len(lane.items) != 1 else ''}, {slipped} slipped, "
            f"{len(launches)} launch{'es' if len(launches) != 1 else ''}"
        )
        laid.append(
            Lane(
                slug=lane.slug,
                name=lane.name,
                status=lane.status,
                y=str(top),
                height=str(y - top),
                label_y=str(top + 16),
                items=items,
                launches=launches,
                more=lane.more,
                summary=summary,
            )
        )
        y += 6
    today_at = x_of(today)
    ticks = [
        # A month label under the "today" label would print over it
        # ("Dtoday"): that month keeps its grid line, not its name.
        Tick(tick.pos, "")
        if -TODAY_LABEL_CLEARANCE[0]
        < float(tick.pos) - today_at
        < TODAY_LABEL_CLEARANCE[1]
        else tick
        for tick in axis.month_ticks()
    ]
    summary = (
        f"{len(laid)} products, {total_items} roadmap items dated between "
        f"{start:%d %b %Y} and {end:%d %b %Y}; {total_slipped} slipped at least "
        f"once; today is {today:%d %b %Y}"
    )
    return Timeline(
        width=width,
        height=y + 4,
        left=axis.left,
        right=axis.right,
        axis_y=str(AXIS - 8),
        today_x=_fmt(today_at),
        ticks=ticks,
        lanes=laid,
        summary=summary,
    )
