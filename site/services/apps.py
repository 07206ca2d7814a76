from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = "Services (org chart, Redis, MongoDB, RabbitMQ, Swift)"
    default_auto_field = "django.db.models.BigAutoField"
