"""The home page (the book's chapter 5.2): the project's own applications."""

from django.apps import apps
from django.conf import settings
from django.urls import (
    NoReverseMatch,
    Resolver404,
    get_resolver,
    get_script_prefix,
    get_urlconf,
    resolve,
    reverse,
)
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from mysite.pagecache import cache_anonymous_page

# Apps that are not this project's own: Django's contrib apps, DRF, and the
# project package itself (its page is the home page).
EXCLUDED_PREFIXES = ("django.",)
EXCLUDED_NAMES = {"rest_framework", "mysite"}

# URL names tried, in order, for an app's entry page (inside its namespace).
INDEX_URL_NAMES = ("index", "page")


def app_index_url(app_config):
    """The URL of the app's index page, or None when it has none.

    That is its `index` (or `page`) URL when its URL namespace (named like the
    app's label) has one, else the root of that namespace when a view answers
    there (e.g. /services/, whatever its URL name).
    """
    namespace = app_config.label
    for url_name in INDEX_URL_NAMES:
        try:
            return reverse(f"{namespace}:{url_name}")
        except NoReverseMatch:
            continue
    prefix = get_resolver().namespace_dict.get(namespace, (None, None))[0]
    if not isinstance(prefix, str) or any(c in prefix for c in "^$()[]\\?*+<>"):
        return None  # not included, or a regex/converter prefix: no fixed root URL
    try:
        match = resolve("/" + prefix)
    except Resolver404:
        return None
    if match.namespaces[:1] != [namespace]:
        return None
    return get_script_prefix() + prefix


def project_apps():
    result = []
    for app_config in apps.get_app_configs():
        if app_config.name.startswith(EXCLUDED_PREFIXES) or app_config.name in EXCLUDED_NAMES:
            continue
        result.append(
            {
                "name": app_config.name,
                "label": app_config.label,
                "verbose_name": app_config.verbose_name,
                "url": app_index_url(app_config),
            }
        )
    return result


# The list only changes with the code (a new process), so each process builds
# it once per URL prefix instead of on every request: reversing and resolving
# a URL per app made the home page cost as much as a page that queries the
# database. Keyed by script prefix and URLconf, which the URLs depend on.
_app_lists = {}
_APP_LISTS_MAX = 16  # a few prefixes at most; never grows without bound


def cached_project_apps():
    key = (get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    app_list = _app_lists.get(key)
    if app_list is None:
        app_list = project_apps()
        if len(_app_lists) >= _APP_LISTS_MAX:
            _app_lists.clear()
        _app_lists[key] = app_list
    return app_list


# The page changes only with the code: cached whole for anonymous visitors, per
# language, in no data group (a new release has keys of its own).
@method_decorator(cache_anonymous_page(), name="dispatch")
class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["app_list"] = cached_project_apps()
        return context
