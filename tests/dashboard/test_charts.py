"""Chart geometry: pure functions, numbers in, SVG coordinates and words out."""

from datetime import UTC, date, datetime, timedelta

from dashboard import charts

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_sparkline_without_values_has_no_line_and_says_so():
    spark = charts.sparkline([None, None])

    assert spark.points == ""
    assert spark.summary == "Score: no history yet"


def test_sparkline_spreads_points_across_the_width_and_ends_on_the_last():
    spark = charts.sparkline([40.0, None, 60.0], width=100, height=20)

    assert spark.points == "2.0,18.0 98.0,2.0"  # lowest at the bottom
    assert (spark.last_x, spark.last_y) == ("98.0", "2.0")
    assert spark.summary == "Score from 40.0 to 60.0 over 3 weekly points"


def test_sparkline_of_a_flat_score_stays_in_the_middle():
    spark = charts.sparkline([50.0, 50.0], width=100, height=20)

    assert spark.points == "2.0,10.0 98.0,10.0"


def test_line_chart_places_target_and_baseline_and_summarises():
    series = [(NOW - timedelta(days=10), 12.0), (NOW, 16.0)]

    chart = charts.line_chart(
        series,
        start=NOW - timedelta(days=10),
        end=NOW,
        target=20,
        baseline=10,
        what="Activation",
        unit="%",
    )

    assert chart.target_y and chart.baseline_y
    assert float(chart.target_y) < float(chart.baseline_y)  # higher is up
    assert chart.summary == (
        "Activation from 12 % on 10 Nov 2026 to 16 % on 20 Nov 2026, "
        "lowest 12, highest 16; target 20 %"
    )


def test_line_chart_without_data_is_marked_empty():
    chart = charts.line_chart([], start=NOW - timedelta(days=30), end=NOW)

    assert chart.empty
    assert chart.summary == "Value: no data in this period"


def test_bands_cover_the_score_range_from_bottom_to_top():
    chart = charts.line_chart(
        [],
        start=NOW - timedelta(days=30),
        end=NOW,
        y_range=(0, 100),
        bands=[(0, 40, "low"), (40, 100, "high")],
        height=200,
    )

    low, high = chart.bands
    assert float(low.y) + float(low.height) == chart.bottom
    assert float(high.y) == chart.top


def test_downsample_keeps_the_last_point():
    series = [(NOW + timedelta(hours=i), float(i)) for i in range(1000)]

    picked = charts.downsample(series, limit=10)

    assert len(picked) == 10
    assert picked[-1] == series[-1]


def test_bars_scale_to_the_largest_value():
    bars = charts.bars([("a", "A", 2, "2"), ("b", "B", 8, "8"), ("c", "C", 0, "0")])

    assert [b.percent for b in bars] == ["25", "100", "0"]


def test_stacked_segments_follow_each_other():
    segments = charts.stacked([("x", "X", 1), ("y", "Y", 3)])

    assert [(s.x, s.width) for s in segments] == [("0", "25"), ("25", "75")]


def test_roadmap_strip_marks_today_and_the_slips():
    today = date(2026, 11, 20)
    item = charts.StripInput(
        id=1,
        title="Bulk editing",
        target=today + timedelta(days=30),
        outcome="open",
        previous_targets=(today - timedelta(days=10),),
    )

    strip = charts.roadmap_strip(
        [item], today=today, days_back=100, days_ahead=100, width=216
    )

    assert strip.today_x == "108"  # 8 + 200 · 100/200
    laid = strip.items[0]
    assert laid.slip_xs == ["98"]
    assert laid.target_x == "138"
    assert strip.summary.endswith(
        "1 of them slipped at least once; today is 20 Nov 2026"
    )
