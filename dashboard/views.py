"""The CPO's server-rendered pages."""

from django.views.generic import TemplateView

from accounts.mixins import PageAccessMixin


class HomeView(PageAccessMixin, TemplateView):
    """The portfolio dashboard (filled by the health issue)."""

    template_name = "dashboard/home.html"
