"""GET parameters of the dashboard pages: parsed strictly; a 400 names the bad one.

A filter value the page does not know (an unknown product, a status that does not
exist, a page number past the end, a malformed date) is the user's mistake or a
stale link: the answer is a 400 page that says which parameter and why, never a
500 and never a silently different list.

A page view mixes in `ParamsMixin` and reads its filters from `request.GET` with
the readers below (`choice`, `slug`, `integer`, `text`, `iso_date`, `page_of`); a
bad value raises `BadParameter`, which the mixin answers with the 400 page
`dashboard/bad_parameter.html` (`bad_parameter_response` for views without the
mixin). Pagination uses Django's `Paginator`; a page number that is not a
positive whole number, or lies past the last page, is a bad value too.
"""

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,120}$")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
DIGITS = re.compile(r"^[0-9]{1,10}$")
TEXT_MAX = 100


class BadParameter(Exception):
    """A GET parameter with a value the page cannot use."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


class ParamsMixin:
    """Answer `BadParameter` raised while building the page with a 400 page."""

    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
            # Template responses render later: render here, inside the try.
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            return response
        except BadParameter as error:
            return bad_parameter_response(request, error)


def bad_parameter_response(request: HttpRequest, error: BadParameter) -> HttpResponse:
    return render(
        request,
        "dashboard/bad_parameter.html",
        {"name": error.name, "message": error.message, "path": request.path},
        status=400,
    )


def choice(
    query: QueryDict,
    name: str,
    choices: Mapping[str, Any] | Iterable[str],
    default: str,
) -> str:
    """One of `choices` (or `default` when absent or empty)."""
    value = query.get(name, "")
    if value == "":
        return default
    allowed = list(choices)
    if value not in allowed:
        shown = ", ".join(a for a in allowed if a) or "none"
        raise BadParameter(name, f"“{value[:40]}” is not one of {shown}.")
    return value


def iso_date(query: QueryDict, name: str, default: date) -> date:
    """A date written YYYY-MM-DD (`default` when absent or empty)."""
    value = query.get(name, "")
    if value == "":
        return default
    if ISO_DATE.match(value):  # not the other forms fromisoformat takes (2026-W45-1)
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise BadParameter(name, f"“{value[:40]}” is not a date written YYYY-MM-DD.")


def slug(query: QueryDict, name: str) -> str:
    """A slug, or '' when absent."""
    value = query.get(name, "")
    if value and not SLUG.match(value):
        raise BadParameter(name, "expected a slug (letters, digits, - and _).")
    return value


def integer(query: QueryDict, name: str) -> int | None:
    """A positive integer id, or None when absent."""
    value = query.get(name, "")
    if value == "":
        return None
    # Not str.isdigit(): it takes "²", which int() refuses.
    if not DIGITS.match(value) or not 0 < int(value) < 2**31:
        raise BadParameter(name, f"“{value[:40]}” is not a positive whole number.")
    return int(value)


def text(query: QueryDict, name: str) -> str:
    """Free text for a search, trimmed; at most TEXT_MAX characters."""
    value = query.get(name, "").strip()
    if len(value) > TEXT_MAX:
        raise BadParameter(name, f"at most {TEXT_MAX} characters.")
    if "\x00" in value:
        raise BadParameter(name, "contains a NUL character.")
    return value


class CountedPaginator(Paginator):
    """A paginator told its count (the page already counted the rows)."""

    def __init__(self, object_list: Any, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # the cached_property, filled in


def page_of(
    query: QueryDict,
    object_list: Any,
    *,
    per_page: int,
    count: int | None = None,
    name: str = "page",
) -> Page:
    """The requested page of `object_list` (page 1 when absent)."""
    number = integer(query, name) or 1
    paginator = (
        Paginator(object_list, per_page)
        if count is None
        else CountedPaginator(object_list, per_page, count)
    )
    check_page(number, paginator.num_pages, name=name)
    return paginator.page(number)


def check_page(number: int, pages: int, *, name: str = "page") -> None:
    """A page number past the last page is a bad value."""
    if number > pages:
        counted = "there is 1 page" if pages == 1 else f"there are {pages} pages"
        raise BadParameter(name, f"{counted}; {number} is past the end.")


def query_without(query: QueryDict, *names: str) -> str:
    """The query string without `names` (for links that set one of them)."""
    copy = query.copy()
    for name in names:
        copy.pop(name, None)
    return copy.urlencode()
