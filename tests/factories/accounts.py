import factory
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.services import user_sync_staff

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """A user; `roles=["cpo"]` gives roles, and is_staff follows them."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        # get_or_create: a transactional test (live_server, a real worker) flushes
        # the tables after it ran, the role groups of the data migration too.
        self.groups.add(*(Group.objects.get_or_create(name=n)[0] for n in extracted))
        user_sync_staff(user=self)
