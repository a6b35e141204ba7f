from django.contrib.auth.forms import AuthenticationForm

LOCKOUT_FORM_MESSAGE = (
    "Too many failed login attempts for this username. Try again in 15 minutes."
)


class LoginForm(AuthenticationForm):
    """The login form (fields `username`, `password`)."""
