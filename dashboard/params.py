"""GET parameters of the dashboard pages: parsed strictly; a 400 names the bad one.

A filter value the page does not know (an unknown product, a status that does not
exist, a page number past the end, a malformed date) is the user's mistake or a
stale link: the answer is a 400 page that says which parameter and why, never a
500 and never a silently different list.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class BadParameter(Exception):
    """A GET parameter the page cannot use."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def bad_parameter_page(request: HttpRequest, error: BadParameter) -> HttpResponse:
    return render(
        request,
        "dashboard/bad_parameter.html",
        {"name": error.name, "message": error.message, "path": request.path},
        status=400,
    )


class ParameterErrorsMixin:
    """Answer a `BadParameter` raised while building the page with the 400 page."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            # TemplateView builds its context before it answers: a BadParameter
            # raised there is caught here.
            response: HttpResponse = super().dispatch(  # type: ignore[misc]
                request, *args, **kwargs
            )
            return response
        except BadParameter as error:
            return bad_parameter_page(request, error)


def choice(
    request: HttpRequest, name: str, allowed: Sequence[str], default: str
) -> str:
    """One of `allowed` (an absent or empty value is `default`)."""
    value = request.GET.get(name, "")
    if value == "":
        return default
    if value not in allowed:
        raise BadParameter(name, f"“{value}” is not one of {', '.join(allowed)}.")
    return value


def iso_date(request: HttpRequest, name: str, default: date) -> date:
    """A date written YYYY-MM-DD (an absent or empty value is `default`)."""
    value = request.GET.get(name, "")
    if value == "":
        return default
    try:
        return date.fromisoformat(value) if len(value) == 10 else _bad_date(name, value)
    except ValueError:
        return _bad_date(name, value)


def _bad_date(name: str, value: str) -> date:
    raise BadParameter(name, f"“{value}” is not a date written YYYY-MM-DD.")


def page_of(request: HttpRequest, items: Any, per_page: int) -> Page:
    """The page `?page=` of `items` (a queryset: one COUNT and one LIMIT query)."""
    paginator = Paginator(items, per_page)
    value = request.GET.get("page", "") or "1"
    try:
        return paginator.page(value)
    except PageNotAnInteger:
        raise BadParameter("page", f"“{value}” is not a page number.") from None
    except EmptyPage:
        raise BadParameter(
            "page", f"there is no page {value}; the last page is {paginator.num_pages}."
        ) from None
