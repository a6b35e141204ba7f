"""Load a believable demo company; each app contributes through its `seed` module."""

import importlib
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# Apps in dependency order; each `<app>.seed.seed_demo(ctx)` builds on the ones before.
SEED_APPS = ["accounts", "portfolio", "roadmaps", "kpis", "hiring", "health"]


class Command(BaseCommand):
    help = (
        "Create demo data: one user per role (passwords printed), then each app's data."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="allow running under production settings",
        )
        parser.add_argument(
            "--password",
            default=os.environ.get("DEMO_PASSWORD", ""),
            help="password for every demo user (default: DEMO_PASSWORD, else random)",
        )

    def handle(self, *args: Any, force: bool, password: str, **options: Any) -> None:
        module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
        if module.endswith("settings.production") and not force:
            raise CommandError(
                "seed_demo refuses to run under cpo.settings.production; "
                "pass --force to load demo data into this database anyway."
            )
        ctx: dict[str, Any] = {"password": password, "stdout": self.stdout}
        with transaction.atomic():
            for app in SEED_APPS:
                try:
                    seed = importlib.import_module(f"{app}.seed")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.seed":
                        raise
                    continue
                seed.seed_demo(ctx)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        # The address depends on how the server is started (make run prints it).
        self.stdout.write("Log in at /accounts/login/ with:")
        for username, role, pwd in ctx.get("users", []):
            self.stdout.write(f"  {username:<12} {pwd:<24} ({role})")
