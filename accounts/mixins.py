"""Access for server-rendered pages: logged in, and a role that sees pages."""

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.http import HttpRequest, HttpResponseRedirect

from .policies import can_view_pages


class PageAccessMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Anonymous users go to the login page; `integration` gets 403."""

    raise_exception = False
    request: HttpRequest

    def test_func(self) -> bool:
        return can_view_pages(self.request.user)

    def handle_no_permission(self) -> HttpResponseRedirect:
        if self.request.user.is_authenticated:
            self.raise_exception = True
        return super().handle_no_permission()
