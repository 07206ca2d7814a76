from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RuntimeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "runtime"
    verbose_name = _("Runtime")

    def ready(self):
        # Under mod_wsgi (daemon or embedded mode) record mod_wsgi's own
        # metrics in every process, for the runtime page; a no-op elsewhere.
        from runtime.info import start_recording_metrics

        start_recording_metrics()
