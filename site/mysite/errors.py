"""Error answers in the site's look: 404, 500, and 503 while the main database
is unreachable.

A database outage (OperationalError or InterfaceError from the database
backend: MariaDB stopped, restarting, refusing connections) is not a bug in
a view, so it is answered with 503 and Retry-After instead of a 500 page:
an HTML page for browsers, {"detail": ...} for the API and for clients that
ask for JSON (Accept: application/json). Each failure is logged as ONE line
(the request and the error), never a traceback. Nothing needs restarting
afterwards: Django drops a connection that failed at the end of the request
and the next request connects afresh.

DatabaseOutageMiddleware catches what views raise; server_error (handler500)
catches what middleware raised (a session saved at the end of a request);
the services API's exception handler calls outage_response itself.
"""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger("mysite.errors")


def is_database_outage(exc):
    return isinstance(exc, (OperationalError, InterfaceError))


def wants_json(request):
    """True for the REST API's URLs and for clients that prefer JSON to HTML."""
    match = getattr(request, "resolver_match", None)
    view_class = getattr(getattr(match, "func", None), "cls", None)
    if view_class is not None and getattr(view_class, "renderer_classes", None) is not None:
        return True  # a Django REST framework view: the API answers JSON
    try:
        return request.get_preferred_type(["text/html", "application/json"]) == "application/json"
    except Exception:  # noqa: BLE001 - a malformed Accept header means HTML
        return False


def _one_line(exc):
    return " ".join(f"{exc.__class__.__name__}: {exc}".split())


def outage_response(request, exc, *, json=None):
    """The 503 for a database outage, logged here as one line (Django's own
    request log is told it has been logged, so it adds no traceback)."""
    retry_after = settings.DATABASE_OUTAGE_RETRY_AFTER
    logger.error("main database unavailable: %s %s: %s", request.method, request.get_full_path(), _one_line(exc))
    if json if json is not None else wants_json(request):
        response = JsonResponse({"detail": _("The database is unavailable. Try again in a moment.")}, status=503)
    else:
        response = HttpResponse(loader.render_to_string("503.html", {"retry_after": retry_after}), status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True
    return response


class DatabaseOutageMiddleware:
    """Turns a database outage raised by a view into the 503 answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_outage(exception):
            return outage_response(request, exception)
        return None


def server_error(request):
    """handler500: a database outage raised outside a view is still a 503;
    anything else is the 500 page (rendered without the request: nothing in
    it may fail again)."""
    exc = sys.exc_info()[1]
    if is_database_outage(exc):
        return outage_response(request, exc)
    if wants_json(request):
        return JsonResponse({"detail": _("Internal server error.")}, status=500)
    return HttpResponse(loader.render_to_string("500.html"), status=500)
