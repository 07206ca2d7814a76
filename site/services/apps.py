from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Services (org chart, Redis, MongoDB, RabbitMQ, Swift)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connect the signal handlers that keep the cached org pages fresh.
        from services import signals  # noqa: F401
