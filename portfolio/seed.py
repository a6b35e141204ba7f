"""Demo portfolio: 3 product lines, 4 objectives, 5 segments, 12 products, insights.

Idempotent: every object is looked up by its natural key first, so running the
seed again changes nothing. Created through the services (history, signals).
"""

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from . import services
from .models import Insight, Objective, Product, ProductLine, Segment

PRODUCT_LINES = [
    ("Payments", "Everything that moves money for our merchants."),
    ("Commerce Cloud", "Storefront, catalogue and order management for retailers."),
    ("Insights & AI", "Analytics and machine-learning products on merchant data."),
]

OBJECTIVES = [
    ("Grow net revenue retention to 115%", "2027-H1", "active"),
    ("Win the mid-market segment in DACH", "2027-H1", "active"),
    ("Cut merchant onboarding to one day", "2026-H2", "achieved"),
    ("Launch two AI-native products", "2027-H2", "active"),
]

SEGMENTS = [
    ("Small merchants", "Shops with fewer than 10 employees.", 420_000),
    ("Mid-market retail", "Retailers with 50-500 employees.", 38_000),
    ("Enterprise", "Groups with more than 2,000 employees.", 2_100),
    ("Marketplaces", "Platforms that pay out to many sellers.", 5_400),
    ("Subscription businesses", "Companies billing on a recurring basis.", 61_000),
]

# name, line, stage, horizon, importance, budget (kEUR), segments, objectives,
# manager, vision, problem, value proposition
PRODUCTS: list[tuple[Any, ...]] = [
    (
        "Checkout",
        "Payments",
        "maturity",
        "h1",
        5,
        4200,
        [0, 1, 2],
        [0],
        "pm",
        "A one-page checkout that accepts every local payment method.",
        "Shoppers abandon carts when their preferred way to pay is missing.",
        "Merchants convert more visitors, shoppers pay the way they trust.",
    ),
    (
        "Payouts",
        "Payments",
        "growth",
        "h1",
        4,
        2600,
        [3],
        [0],
        "pm",
        "Same-day payouts to sellers in 40 countries.",
        "Marketplace sellers wait a week for their money and lose trust.",
        "Sellers get paid faster, so marketplaces keep their best sellers.",
    ),
    (
        "Recurring Billing",
        "Payments",
        "growth",
        "h1",
        4,
        1900,
        [4],
        [0, 2],
        "pm",
        "Subscriptions, invoices and dunning in one place.",
        "Failed renewals silently drain subscription revenue.",
        "Recovered revenue and fewer support tickets about invoices.",
    ),
    (
        "Fraud Shield",
        "Payments",
        "launch",
        "h2",
        4,
        1500,
        [1, 2],
        [3],
        "pm",
        "Real-time fraud scoring for every transaction.",
        "Chargebacks cost merchants money and time, and rules are brittle.",
        "Fewer chargebacks without blocking good customers.",
    ),
    (
        "Legacy Terminal",
        "Payments",
        "retired",
        "h1",
        1,
        None,
        [0],
        [],
        "pm",
        "Counter-top card terminal for physical stores.",
        "Shops needed to take cards at the till.",
        "Replaced by Tap to Pay; kept for the record.",
    ),
    (
        "Storefront",
        "Commerce Cloud",
        "maturity",
        "h1",
        5,
        3800,
        [0, 1],
        [1],
        "pm2",
        "A fast, themeable online shop that merchants launch in an afternoon.",
        "Building and hosting a shop takes agencies and months.",
        "Merchants sell online the same day, without developers.",
    ),
    (
        "Order Hub",
        "Commerce Cloud",
        "growth",
        "h1",
        4,
        2200,
        [1, 2],
        [1, 2],
        "pm2",
        "One order book across web, store and marketplaces.",
        "Orders are scattered across channels and spreadsheets.",
        "Fewer oversells and one view of every customer order.",
    ),
    (
        "Catalog Sync",
        "Commerce Cloud",
        "decline",
        "h1",
        2,
        600,
        [1],
        [],
        "pm2",
        "Product data pushed to every sales channel.",
        "Keeping prices and stock right everywhere is manual work.",
        "Correct listings everywhere with no copy-paste.",
    ),
    (
        "B2B Portal",
        "Commerce Cloud",
        "development",
        "h2",
        3,
        1200,
        [2],
        [1],
        "pm2",
        "Self-service ordering for wholesale buyers with their own prices.",
        "Wholesale orders still arrive by email and phone.",
        "Buyers reorder in minutes; sales reps focus on selling.",
    ),
    (
        "Demand Forecast",
        "Insights & AI",
        "development",
        "h2",
        3,
        900,
        [1, 2],
        [3],
        "pm",
        "Stock forecasts per product and store, learned from sales history.",
        "Retailers over-stock slow items and run out of the best sellers.",
        "Less capital tied up in stock, fewer lost sales.",
    ),
    (
        "Merchant Copilot",
        "Insights & AI",
        "concept",
        "h3",
        2,
        300,
        [0],
        [3],
        "pm2",
        "An assistant that answers merchants' questions about their business.",
        "Small merchants have data but no analyst to read it.",
        "Everyday decisions backed by their own numbers, in plain words.",
    ),
    (
        "Revenue Analytics",
        "Insights & AI",
        "launch",
        "h2",
        3,
        800,
        [4, 2],
        [0],
        "pm",
        "Dashboards for revenue, churn and cohort health.",
        "Finance teams rebuild the same revenue reports every month.",
        "Trusted revenue numbers without spreadsheet work.",
    ),
]

INSIGHT_THEMES = [
    ("interview", "Shoppers want to pay by instalments on large baskets"),
    ("survey", "Merchants rate onboarding time as the top frustration"),
    ("support", "Payout delays are the top support topic this quarter"),
    ("analytics", "Mobile checkout conversion trails desktop by 18 points"),
    ("sales", "Mid-market prospects ask for multi-warehouse stock"),
    ("competitor", "A competitor launched same-day payouts in the Nordics"),
    ("interview", "Wholesale buyers need customer-specific price lists"),
    ("support", "Failed card renewals generate angry invoice tickets"),
    ("analytics", "Fraud rules block 2% of good orders at peak"),
    ("survey", "Merchants want forecasts per store, not per region"),
    ("other", "Analyst report: AI assistants top retail tech spend"),
]


def seed_demo(ctx: dict[str, Any]) -> None:
    """Create the demo portfolio once; later runs find it and add nothing."""
    rng = random.Random(3)  # the same demo every time
    users = ctx.get("demo_users", {})
    cpo = users.get("cpo")

    lines = {}
    for name, description in PRODUCT_LINES:
        line = ProductLine.objects.filter(name=name).first()
        lines[name] = line or services.product_line_create(
            actor=cpo, name=name, description=description
        )

    objectives = []
    for title, period, status in OBJECTIVES:
        objective = Objective.objects.filter(title=title, period=period).first()
        objectives.append(
            objective
            or services.objective_create(
                actor=cpo,
                title=title,
                period=period,
                status=status,
                description=f"Company objective for {period}.",
            )
        )

    segments = []
    for name, description, size in SEGMENTS:
        segment = Segment.objects.filter(name=name).first()
        segments.append(
            segment
            or services.segment_create(
                actor=cpo, name=name, description=description, size_estimate=size
            )
        )

    products = []
    for row in PRODUCTS:
        (name, line, stage, horizon, importance, budget, seg, obj, manager) = row[:9]
        vision, problem, value = row[9:]
        product = Product.objects.filter(name=name).first()
        if product is None:
            managers = [users[manager]] if manager in users else []
            product = services.product_create(
                actor=cpo,
                name=name,
                product_line=lines[line],
                lifecycle_stage=stage,
                horizon=horizon,
                strategic_importance=importance,
                annual_budget=Decimal(budget * 1000) if budget else None,
                vision=vision,
                problem=problem,
                value_proposition=value,
                segments=[segments[i] for i in seg],
                objectives=[objectives[i] for i in obj],
                managers=managers,
            )
        products.append(product)
    ctx["products"] = products
    ctx["product_lines"] = list(lines.values())
    ctx["objectives"] = objectives
    ctx["segments"] = segments

    managed_by = {row[0]: users.get(row[8]) for row in PRODUCTS}
    rounds = ["spring research", "summer research", "autumn research"]
    today = timezone.localdate()
    live = [p for p in products if not p.is_retired]
    insights = []
    for i in range(len(INSIGHT_THEMES) * len(rounds)):
        source, theme = INSIGHT_THEMES[i % len(INSIGHT_THEMES)]
        title = f"{theme} ({rounds[i // len(INSIGHT_THEMES)]})"
        # Drawn before the lookup, so a re-run draws the same values.
        cited = rng.sample(live, k=rng.randint(1, 3))
        mentions, impact = rng.randint(3, 40), rng.randint(1, 5)
        age = rng.randint(0, 170)
        existing = Insight.objects.filter(title=title).first()
        if existing is not None:
            insights.append(existing)
            continue
        author = managed_by.get(cited[0].name) or cpo
        if author is None:
            continue
        insights.append(
            services.insight_create(
                actor=None,
                author=author,
                title=title,
                body=f"{theme}. Heard from {mentions} customers; "
                "notes and recordings are in the research repository.",
                source=source,
                segment=segments[i % len(segments)],
                products=cited,
                impact=impact,
                captured_on=today - timedelta(days=age),
            )
        )
    ctx["insights"] = insights
