from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and access"
    default = True

    def ready(self) -> None:
        # Connect the receivers (is_staff follows the roles) and the schema
        # extensions (the bearer token scheme).
        from . import receivers, schema  # noqa: F401


class CpoAdminConfig(admin_apps.AdminConfig):
    """The admin, with the branded site that admits users by role."""

    default = False
    default_site = "accounts.admin_site.CpoAdminSite"
