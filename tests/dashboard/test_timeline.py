"""The portfolio timeline's layout (pure: no database)."""

from datetime import date, timedelta

import pytest

from dashboard.charts import _month_ticks
from dashboard.timeline import portfolio_timeline


def labels(today):
    return [t.label for t in portfolio_timeline([], today=today).ticks]


def test_a_month_starting_under_the_today_label_loses_its_name_not_its_line():
    # Today is the first of December: "Dec" would print over "today".
    ticks = portfolio_timeline([], today=date(2026, 12, 1)).ticks
    by_label = [t.label for t in ticks]

    assert "" in by_label and "Dec" not in by_label
    assert "Nov" in by_label and "Jan 2027" in by_label
    # Every month keeps its grid line (the default window: 120 days back, 240 on).
    months = _month_ticks(date(2026, 12, 1) - timedelta(days=120), date(2027, 7, 29))
    assert len(ticks) == len(months)


@pytest.mark.parametrize("today", [date(2026, 12, 12), date(2026, 11, 14)])
def test_months_clear_of_today_keep_their_names(today):
    assert "" not in labels(today)
