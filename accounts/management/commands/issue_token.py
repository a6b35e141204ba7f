from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import SERVICE_TOKEN_DAYS, token_issue


class Command(BaseCommand):
    help = (
        "Issue an API token for a user (a service account); the key is the last line."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--days",
            type=int,
            default=SERVICE_TOKEN_DAYS,
            help=f"days until it expires (default {SERVICE_TOKEN_DAYS})",
        )

    def handle(self, *args: Any, username: str, days: int, **options: Any) -> None:
        if days <= 0:
            raise CommandError("--days must be a positive number of days")
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}") from None
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive")
        token, key = token_issue(user=user, days=days)
        self.stderr.write(f"Token for {username}, expires {token.expiry.isoformat()}:")
        self.stdout.write(key)
