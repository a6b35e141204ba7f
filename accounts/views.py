"""Login, logout, and the lockout answer for every way in."""

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .forms import LOCKOUT_FORM_MESSAGE, LoginForm


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """Answer a locked-out login: 429 JSON for the API, the form with an error else."""
    if request.path.startswith("/api/"):
        from .api import LOCKOUT_MESSAGE

        return JsonResponse({"detail": LOCKOUT_MESSAGE}, status=429)
    # An unbound form: validating it again would count one more failure.
    form = LoginForm(request, initial={"username": request.POST.get("username", "")})
    return render(
        request,
        "registration/login.html",
        {"form": form, "lockout_message": LOCKOUT_FORM_MESSAGE},
        status=429,
    )
