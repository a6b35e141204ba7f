from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"
    verbose_name = "Portfolio health"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects product_data_changed)
