from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from runtime.info import runtime_info, wsgi_metrics


def metric_rows(environ):
    """(name, value) rows of the metrics table (runtime/_metrics.html)."""
    metrics = wsgi_metrics(environ)
    return list(metrics.items()) if metrics else []


class RuntimePage(TemplateView):
    template_name = "runtime/page.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        info = runtime_info(self.request.environ)
        context["info"] = info
        context["rows"] = [(key, info[key]) for key in info if key != "application_group_label"]
        context["metric_rows"] = metric_rows(self.request.environ)
        return context


@never_cache
def runtime_json(request):
    """runtime_info plus "metrics": mod_wsgi's figures of the process that
    answered (None outside mod_wsgi). The runtime page polls it."""
    data = runtime_info(request.environ)
    data["metrics"] = wsgi_metrics(request.environ)
    return JsonResponse(data)
