import datetime

import factory

from roadmaps.models import Launch, Release, RoadmapItem
from tests.factories.portfolio import ProductFactory

BASE_DATE = datetime.date(2026, 1, 15)


class ReleaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Release

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"Release {n}")
    target_date = BASE_DATE


class RoadmapItemFactory(factory.django.DjangoModelFactory):
    """An item; written straight to the table (no history rows, no slips).

    `depends_on=[...]` and `insights=[...]` link it. Keeps done ⇔ delivered_on.
    """

    class Meta:
        model = RoadmapItem
        skip_postgeneration_save = True

    product = factory.SubFactory(ProductFactory)
    title = factory.Sequence(lambda n: f"Item {n}")
    kind = "feature"
    status = "planned"
    timeframe = "next"
    target_date = BASE_DATE
    delivered_on = factory.LazyAttribute(
        lambda o: o.target_date if o.status == "done" else None
    )

    @factory.post_generation
    def depends_on(self, create, extracted, **kwargs):
        if create and extracted:
            self.depends_on.set(extracted)

    @factory.post_generation
    def insights(self, create, extracted, **kwargs):
        if create and extracted:
            self.insights.set(extracted)


class LaunchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Launch
        skip_postgeneration_save = True

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"Launch {n}")
    launch_date = BASE_DATE
    status = "planned"
    channels = factory.LazyFunction(lambda: ["email"])
    checklist = factory.LazyFunction(
        lambda: [
            {"label": "Press release", "done": True},
            {"label": "Sales enablement", "done": False},
        ]
    )

    @factory.post_generation
    def segments(self, create, extracted, **kwargs):
        if create and extracted:
            self.segments.set(extracted)
