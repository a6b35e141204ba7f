"""Server-rendered SVG charts: plain numbers in, geometry for the templates out.

Pure functions (no ORM, no clock): the pages pass the data and `today`/`now`.
A thousand sparklines are a thousand short `points` strings (STACK.md 25), so the
portfolio table costs no JavaScript and no canvas. Every chart also gets a one-line
`summary` for screen readers and print; the pages put a table beside the bigger ones.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta


def _fmt(value: float) -> str:
    """A coordinate with at most one decimal (short SVG, stable output)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _number(value: float | None) -> str:
    if value is None:
        return "no value"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text or "0"


# --- sparkline -------------------------------------------------------------------


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    points: str  # "x,y x,y …" for <polyline>; empty when fewer than 2 values
    last_x: str
    last_y: str
    summary: str


SPARK_MIN_SPAN = 20.0  # score points: a flat product does not look like a cliff


def sparkline(
    values: Sequence[float | None],
    *,
    width: int = 120,
    height: int = 28,
    what: str = "Score",
) -> Sparkline:
    """Lay out a series of scores (None = no value that week) as a polyline."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if not known:
        return Sparkline(width, height, "", "", "", f"{what}: no history yet")
    lo = min(v for _, v in known)
    hi = max(v for _, v in known)
    if hi - lo < SPARK_MIN_SPAN:
        middle = (hi + lo) / 2
        lo, hi = middle - SPARK_MIN_SPAN / 2, middle + SPARK_MIN_SPAN / 2
    pad = 2.0
    steps = max(len(values) - 1, 1)
    # Hot path (a thousand rows): plain arithmetic and "%.1f", no helpers.
    x_step = (width - 2 * pad) / steps
    y_scale = (height - 2 * pad) / (hi - lo)
    y_top = pad + (height - 2 * pad) + lo * y_scale
    coords = [
        ("%.1f" % (pad + x_step * i), "%.1f" % (y_top - v * y_scale)) for i, v in known
    ]
    first, last = known[0][1], known[-1][1]
    summary = f"{what} from {first:.1f} to {last:.1f} over {len(values)} weekly points"
    points = " ".join(f"{x},{y}" for x, y in coords) if len(coords) > 1 else ""
    return Sparkline(width, height, points, coords[-1][0], coords[-1][1], summary)


# --- time-series line chart -------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    pos: str
    label: str


@dataclass(frozen=True)
class Band:
    y: str
    height: str
    css: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    plot_width: int
    plot_height: int
    points: str
    dots: list[tuple[str, str]]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    target_y: str
    baseline_y: str
    bands: list[Band]
    summary: str
    empty: bool


def _month_ticks(start: date, end: date) -> list[date]:
    first = date(start.year, start.month, 1)
    ticks = []
    while first <= end:
        if first >= start:
            ticks.append(first)
        first = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return ticks


def _nice_step(span: float) -> float:
    raw = span / 4
    magnitude = 10 ** len(str(int(abs(raw)))) / 10 if raw >= 1 else 1.0
    while magnitude > raw and magnitude > 1e-9:
        magnitude /= 10
    for factor in (1, 2, 2.5, 5, 10):
        if magnitude * factor >= raw:
            return magnitude * factor
    return magnitude * 10


def line_chart(
    series: Sequence[tuple[datetime, float]],
    *,
    start: datetime,
    end: datetime,
    width: int = 640,
    height: int = 200,
    y_range: tuple[float, float] | None = None,
    target: float | None = None,
    baseline: float | None = None,
    bands: Sequence[tuple[float, float, str]] = (),
    what: str = "Value",
    unit: str = "",
) -> LineChart:
    """Lay out a time series with optional target/baseline lines and y bands."""
    left, right, top, bottom = 44, 8, 8, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, v in series]
    if y_range is not None:
        lo, hi = y_range
    else:
        pool = values + [v for v in (target, baseline) if v is not None]
        lo, hi = (min(pool), max(pool)) if pool else (0.0, 1.0)
        if hi == lo:
            hi, lo = hi + 1, lo - 1
        margin = (hi - lo) * 0.08
        lo, hi = lo - margin, hi + margin
    span_t = (end - start).total_seconds() or 1.0

    def x_of(t: datetime) -> float:
        return left + plot_w * (t - start).total_seconds() / span_t

    def y_of(v: float) -> float:
        v = min(max(v, lo), hi)
        return top + plot_h * (1 - (v - lo) / (hi - lo))

    coords = [(_fmt(x_of(t)), _fmt(y_of(v))) for t, v in series]
    step = _nice_step(hi - lo)
    first_tick = step * (lo // step + (1 if lo % step else 0))
    y_ticks: list[Tick] = []
    tick = first_tick
    while tick <= hi + 1e-9 and len(y_ticks) < 8:
        y_ticks.append(Tick(_fmt(y_of(tick)), _number(tick)))
        tick += step
    x_ticks = [
        Tick(
            _fmt(x_of(datetime.combine(d, datetime.min.time(), tzinfo=start.tzinfo))),
            d.strftime("%b"),
        )
        for d in _month_ticks(start.date(), end.date())
    ]
    chart_bands = []
    for band_lo, band_hi, css in bands:
        y_top, y_bottom = y_of(band_hi), y_of(band_lo)
        chart_bands.append(Band(_fmt(y_top), _fmt(y_bottom - y_top), css))
    suffix = f" {unit}" if unit else ""
    if series:
        summary = (
            f"{what} from {_number(values[0])}{suffix} on {series[0][0]:%d %b %Y} "
            f"to {_number(values[-1])}{suffix} on {series[-1][0]:%d %b %Y}, "
            f"lowest {_number(min(values))}, highest {_number(max(values))}"
        )
        if target is not None:
            summary += f"; target {_number(target)}{suffix}"
    else:
        summary = f"{what}: no data in this period"
    return LineChart(
        width=width,
        height=height,
        left=left,
        top=top,
        right=width - right,
        bottom=height - bottom,
        plot_width=plot_w,
        plot_height=plot_h,
        points=" ".join(f"{x},{y}" for x, y in coords),
        dots=coords if len(coords) <= 40 else coords[-1:],
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        target_y=_fmt(y_of(target)) if target is not None else "",
        baseline_y=_fmt(y_of(baseline)) if baseline is not None else "",
        bands=chart_bands,
        summary=summary,
        empty=not series,
    )


def downsample(
    series: Sequence[tuple[datetime, float]], limit: int = 120
) -> list[tuple[datetime, float]]:
    """At most `limit` evenly spaced points, always keeping the last one."""
    if len(series) <= limit:
        return list(series)
    step = len(series) / limit
    picked = [series[int(i * step)] for i in range(limit - 1)]
    return [*picked, series[-1]]


# --- bars --------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    value: float
    display: str
    percent: str  # width of the bar, 0-100, of the largest value


def bars(rows: Sequence[tuple[str, str, float, str]]) -> list[Bar]:
    """(key, label, value, display) rows as bars scaled to the largest value."""
    top = max((value for _, _, value, _ in rows), default=0) or 1
    return [
        Bar(key, label, value, display, _fmt(100 * value / top))
        for key, label, value, display in rows
    ]


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    count: int
    x: str
    width: str


def stacked(rows: Sequence[tuple[str, str, int]], *, width: int = 100) -> list[Segment]:
    """(key, label, count) rows as consecutive segments of one bar `width` wide."""
    total = sum(count for _, _, count in rows) or 1
    out, x = [], 0.0
    for key, label, count in rows:
        w = width * count / total
        out.append(Segment(key, label, count, _fmt(x), _fmt(w)))
        x += w
    return out


# --- roadmap strip -----------------------------------------------------------------


# Roadmap bars (the product strip and the portfolio timeline): a bar's label goes
# left of it beyond this share of the width, so it does not run off the edge.
LABEL_SPLIT = 0.72


@dataclass(frozen=True)
class DateAxis:
    """Dates from `start` to `end` mapped onto x from `left` to `right`."""

    start: date
    end: date
    left: int
    right: int

    @classmethod
    def around(
        cls, today: date, *, days_back: int, days_ahead: int, width: int
    ) -> "DateAxis":
        return cls(
            today - timedelta(days=days_back),
            today + timedelta(days=days_ahead),
            8,
            width - 8,
        )

    def x(self, d: date) -> float:
        """The x of `d`, clamped to the axis."""
        d = min(max(d, self.start), self.end)
        span = (self.end - self.start).days or 1
        return self.left + (self.right - self.left) * (d - self.start).days / span

    def month_ticks(self) -> list[Tick]:
        """A tick at the first of each month ("Jan 2027" in January)."""
        return [
            Tick(_fmt(self.x(d)), d.strftime("%b %Y" if d.month == 1 else "%b"))
            for d in _month_ticks(self.start, self.end)
        ]


@dataclass(frozen=True)
class BarMarks:
    """Where one roadmap item's bar, target, delivery, slips and label go."""

    bar_x: str
    bar_w: str
    target_x: str
    delivered_x: str
    slip_xs: list[str]
    slip_from_x: str
    label_x: str
    label_anchor: str


def bar_marks(
    axis: DateAxis,
    *,
    start: date | None,
    target: date,
    delivered: date | None,
    previous_targets: Sequence[date],
) -> BarMarks:
    """Lay out one item: a bar from start (else 3 weeks before) to target, the
    earlier targets as slips, the delivery; the label right of the last mark, or
    left of the bar near the end of the axis."""
    x_of = axis.x
    x0, x1 = x_of(start or (target - timedelta(days=21))), x_of(target)
    marks = [x1] + ([x_of(delivered)] if delivered else [])
    if max(marks) > axis.left + (axis.right - axis.left) * LABEL_SPLIT:
        label_x, anchor = min([x0, *(x_of(d) for d in previous_targets)]) - 6, "end"
    else:
        label_x, anchor = max(marks) + 9, "start"
    return BarMarks(
        bar_x=_fmt(x0),
        bar_w=_fmt(max(x1 - x0, 3)),
        target_x=_fmt(x1),
        delivered_x=_fmt(x_of(delivered)) if delivered else "",
        slip_xs=[_fmt(x_of(d)) for d in previous_targets],
        slip_from_x=_fmt(min(x_of(d) for d in previous_targets))
        if previous_targets
        else "",
        label_x=_fmt(label_x),
        label_anchor=anchor,
    )


@dataclass(frozen=True)
class StripItem:
    id: int
    title: str
    css: str  # on-time | late | overdue | open | done
    y: str
    bar_x: str
    bar_w: str
    target_x: str
    delivered_x: str
    slip_xs: list[str] = field(default_factory=list)
    slip_from_x: str = ""
    label_x: str = ""
    label_anchor: str = "start"


@dataclass(frozen=True)
class Strip:
    width: int
    height: int
    left: int
    right: int
    today_x: str
    ticks: list[Tick]
    items: list[StripItem]
    summary: str


STRIP_ROW = 22


@dataclass(frozen=True)
class StripInput:
    """One dated roadmap item; `previous_targets` are the dates it slipped from."""

    id: int
    title: str
    target: date
    outcome: str
    start: date | None = None
    delivered: date | None = None
    previous_targets: tuple[date, ...] = ()


def roadmap_strip(
    items: Sequence[StripInput],
    *,
    today: date,
    days_back: int = 120,
    days_ahead: int = 180,
    width: int = 900,
) -> Strip:
    """Lay out dated items on a date axis with today marked; slips are the
    earlier target dates, drawn as hollow circles joined to the current target."""
    axis = DateAxis.around(
        today, days_back=days_back, days_ahead=days_ahead, width=width
    )
    laid = [
        StripItem(
            id=item.id,
            title=item.title,
            css=item.outcome,
            y=str(8 + row * STRIP_ROW),
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
        for row, item in enumerate(items)
    ]
    height = 30 + max(len(laid), 1) * STRIP_ROW
    slipped = sum(1 for item in items if item.previous_targets)
    summary = (
        f"{len(items)} roadmap items dated between {axis.start:%d %b %Y} and "
        f"{axis.end:%d %b %Y}; {slipped} of them slipped at least once; "
        f"today is {today:%d %b %Y}"
    )
    return Strip(
        width,
        height,
        axis.left,
        axis.right,
        _fmt(axis.x(today)),
        axis.month_ticks(),
        laid,
        summary,
    )
