from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and access"
    default = True


class CpoAdminConfig(admin_apps.AdminConfig):
    """The admin, with the branded site that admits users by role."""

    default = False
    default_site = "accounts.admin_site.CpoAdminSite"
