"""Scores in words: from the components a snapshot stores."""

from dashboard import explain

LINKS = explain.Linker(
    kpi=lambda pk: f"/k/{pk}", item=lambda pk: f"/i/{pk}", team=lambda pk: f"/t/{pk}"
)


def kpi(
    pk,
    name,
    attainment,
    *,
    stale=False,
    counted=True,
    measured_at="2026-11-01T00:00:00+00:00",
    reason="",
):
    return {
        "id": pk,
        "name": name,
        "attainment": attainment,
        "stale": stale,
        "counted": counted,
        "measured_at": measured_at,
        "reason": reason,
    }


COMPONENTS = [
    {
        "name": "kpi",
        "present": True,
        "rounded": 40.0,
        "weight": 0.5,
        "effective_weight": 0.5,
        "details": [
            kpi(1, "Churn", 0.0, stale=True),
            kpi(2, "NPS", 0.8),
            kpi(3, "Visits", None, counted=False, reason="no target"),
        ],
    },
    {
        "name": "delivery",
        "present": True,
        "rounded": 50.0,
        "weight": 0.3,
        "effective_weight": 0.3,
        "details": [
            {
                "id": 7,
                "title": "SSO",
                "outcome": "overdue",
                "target_date": "2026-11-01",
                "delivered_on": None,
            },
            {
                "id": 8,
                "title": "Export",
                "outcome": "late",
                "target_date": "2026-10-01",
                "delivered_on": "2026-10-04",
            },
            {
                "id": 9,
                "title": "Import",
                "outcome": "on_time",
                "target_date": "2026-09-01",
                "delivered_on": "2026-09-01",
            },
        ],
    },
    {"name": "staffing", "present": False, "rounded": None, "details": []},
]


def test_each_component_gets_a_summary_and_its_findings_with_links():
    kpis, delivery, staffing = explain.components_explained(
        COMPONENTS, links=LINKS, window_days=180
    )

    assert kpis.summary == (
        "KPIs score 40.0 of 100: the weighted attainment of 2 KPIs with a target."
    )
    stale, below, skipped = kpis.findings
    assert stale.text.startswith("1 KPI is stale")
    assert stale.records == (
        explain.RecordLink("Churn", "/k/1", "last measured 2026-11-01"),
    )
    assert below.records[0].note == "at 80 % of the way from baseline to target"
    assert skipped.records == (explain.RecordLink("Visits", "/k/3", "no target"),)
    assert delivery.summary.endswith(
        "3 items due in the last 180 days: 1 on time, 1 late, 1 overdue."
    )
    overdue, late = delivery.findings
    assert overdue.records == (explain.RecordLink("SSO", "/i/7", "due 2026-11-01"),)
    assert late.records[0].note == "3 days late (due 2026-10-01, delivered 2026-10-04)"
    assert not staffing.present
    assert (
        staffing.summary
        == "No staffing component: the product's teams plan no headcount."
    )


def test_a_never_measured_kpi_says_so():
    components = [
        {
            "name": "kpi",
            "present": True,
            "rounded": 0.0,
            "details": [kpi(1, "NPS", 0.0, stale=True, measured_at=None)],
        }
    ]

    (view, _, _) = explain.components_explained(
        components, links=LINKS, window_days=180
    )

    assert view.findings[0].records[0].note == "never measured"


def test_headline_names_the_weakest_component_and_its_cause():
    assert (
        explain.headline(COMPONENTS, weakest="kpi")
        == "KPIs 40.0: 1 stale KPI, 1 of 2 short of target."
    )
    assert (
        explain.headline(COMPONENTS, weakest="delivery")
        == "Delivery 50.0: 1 overdue item, 1 delivered late."
    )
    staffing = [
        {
            "name": "staffing",
            "present": True,
            "rounded": 25.0,
            "details": [{"id": 1, "name": "A", "planned": 4, "current": 1, "gap": 3}],
        }
    ]
    assert (
        explain.headline(staffing, weakest="staffing")
        == "Staffing 25.0: 3 people short in 1 team."
    )
    assert explain.headline([], weakest="") == "No component has data yet."


def test_verdict_reads_score_status_trend_and_weakest():
    assert explain.verdict(
        score=55.3, status="at_risk", trend=-4.4, weakest="staffing", days=28
    ) == (
        "Health 55.3 of 100, at risk, down 4.4 points over 28 days. "
        "The weakest component is Staffing."
    )
    assert explain.verdict(
        score=None, status="unknown", trend=None, weakest="", days=28
    ).startswith("Not scored")
