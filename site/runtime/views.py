from django.http import JsonResponse
from django.views.generic import TemplateView

from runtime.info import runtime_info


class RuntimePage(TemplateView):
    template_name = "runtime/page.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        info = runtime_info(self.request.environ)
        context["info"] = info
        context["rows"] = [(key, info[key]) for key in info if key != "application_group_label"]
        return context


def runtime_json(request):
    return JsonResponse(runtime_info(request.environ))
