import factory
from django.utils import timezone

from portfolio.models import Insight, Objective, Product, ProductLine, Segment
from tests.factories.accounts import UserFactory


class ProductLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductLine

    name = factory.Sequence(lambda n: f"Line {n}")
    description = "A product line."


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    title = factory.Sequence(lambda n: f"Objective {n}")
    period = "2027-H1"


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"Segment {n}")
    size_estimate = 1000


class ProductFactory(factory.django.DjangoModelFactory):
    """A product; `managers=[user]`, `segments=[...]`, `objectives=[...]` link it."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    lifecycle_stage = "growth"
    horizon = "h1"
    strategic_importance = 3
    vision = "Does good things."

    @factory.post_generation
    def managers(self, create, extracted, **kwargs):
        if create and extracted:
            self.managers.set(extracted)

    @factory.post_generation
    def segments(self, create, extracted, **kwargs):
        if create and extracted:
            self.segments.set(extracted)

    @factory.post_generation
    def objectives(self, create, extracted, **kwargs):
        if create and extracted:
            self.objectives.set(extracted)


class InsightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Insight
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Insight {n}")
    body = "Customers said so."
    source = "interview"
    impact = 3
    captured_on = factory.LazyFunction(timezone.localdate)
    author = factory.SubFactory(UserFactory)

    @factory.post_generation
    def products(self, create, extracted, **kwargs):
        if create and extracted:
            self.products.set(extracted)
