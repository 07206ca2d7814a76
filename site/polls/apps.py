from django.apps import AppConfig


class PollsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "polls"
    verbose_name = "Polls"

    def ready(self):
        # Connect the signal handlers that keep the cached results page fresh.
        from polls import signals  # noqa: F401
