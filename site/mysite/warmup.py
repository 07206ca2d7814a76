"""Do a serving process's one-off work when it starts, not in a visitor's request.

Django builds much of itself on first use: the URLconf (and with it every
view module and what they import: Django REST framework, requests, the
stores' clients) is imported by the first request that resolves a URL, the
cache backend (django-redis, redis-py) by the first cache access, a
language's catalogs by its first request, each template by its first
render. Measured here, the first request of a process cost 145-158 ms of CPU
(the poll page, the index, the org chart, the home page) and the next ones
1-5 ms.

Under the page cache that first request can come late, and under load: a
process that has only answered cache hits never resolved a URL, so the first
page it rebuilds (when an entry's time is up) pays it all. In embedded mode
under load that request took 1 s (145 ms of CPU, the rest waiting for the
GIL of a busy process), and one such request in a 4 s round of wrk is a p99
of 180-330 ms (wrk counts the requests that connection would have sent).

warm_up() does that work at import instead, before the first request (and
before mysite.gcfreeze freezes what the process holds): about 150 ms of CPU
per process start. It opens no connection: cache clients and databases
connect on first use, as before.
"""

import logging
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.template import TemplateSyntaxError, engines
from django.template.loader import get_template
from django.urls import URLResolver, get_resolver
from django.utils import translation

logger = logging.getLogger(__name__)


def import_urlconf():
    """Import the URLconf and every view module, and build the resolvers'
    lookup tables in each language (they are kept per language). Activating a
    language also reads its catalogs, shared by all threads. What reverse()
    still builds on first use, the resolver of each app namespace it is asked
    for, costs about 12 ms once per process."""

    def build(resolver):
        resolver.reverse_dict  # noqa: B018 - building it is the point
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                build(pattern)

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            build(get_resolver())


def load_cache_backends():
    """Import and create every configured cache backend (this thread's
    instances; each thread still creates its own, cheaply, on first use)."""
    for alias in settings.CACHES:
        caches[alias]  # noqa: B018


def project_template_dirs():
    """The project's own template folders: the engine's DIRS and those of the
    project's apps (not Django's or a library's: the admin's templates are
    for staff, and would cost more to compile than their pages are asked for)."""
    base = Path(settings.BASE_DIR).resolve()
    dirs = []
    for engine in engines.all():
        dirs += [Path(d) for d in getattr(engine, "dirs", ())]
    for config in apps.get_app_configs():
        folder = Path(config.path) / "templates"
        if folder.resolve().is_relative_to(base) and folder.is_dir():
            dirs.append(folder)
    return dirs


def compile_templates():
    """Compile every template of the project's own folders into the cached
    loader. A template that does not compile is logged and skipped: the page
    that uses it fails as it would have, the rest of the site starts.
    Returns how many were compiled."""
    compiled = 0
    for folder in project_template_dirs():
        for path in sorted(folder.rglob("*.html")):
            name = path.relative_to(folder).as_posix()
            try:
                get_template(name)
            except TemplateSyntaxError as exc:
                logger.warning("template %s does not compile: %s", name, exc)
            else:
                compiled += 1
    return compiled


def warm_up():
    import_urlconf()
    load_cache_backends()
    return compile_templates()
