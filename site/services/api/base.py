"""What every JSON view of the services app shares: session auth (staff to
write), JSON in and out, CSRF on, errors that are always JSON (a store that
cannot answer is a 503), and StoreView: the <store> of the URL and the org and
group lookups."""

import functools
import logging

from django.http import Http404
from django.urls import reverse
from rest_framework import exceptions, permissions, status
from rest_framework.authentication import CSRFCheck, SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from mysite import pagecache
from mysite.errors import is_database_outage, outage_response
from services import backends, notices, stores

logger = logging.getLogger("services")


class SessionAuth(SessionAuthentication):
    """Django's session login; an anonymous write gets 401 (not 403): the
    client should log in via manage/login. CSRF is enforced for logged-in users."""

    def authenticate_header(self, request):
        return f'Session realm="services", login="{reverse("services:api-login")}"'


class IsStaffOrReadOnly(permissions.BasePermission):
    message = "staff only: log in with a staff account to change the org chart"

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def enforce_csrf(request):
    """Django's CSRF check for views that must have it even for anonymous users (login)."""
    django_request = getattr(request, "_request", request)
    check = CSRFCheck(lambda req: None)
    check.process_request(django_request)
    reason = check.process_view(django_request, None, (), {})
    if reason:
        raise exceptions.PermissionDenied(f"CSRF Failed: {reason}")


def services_exception_handler(exc, context):
    if is_database_outage(exc):
        # The main database is down: 503 + Retry-After, one log line (mysite/errors.py).
        return outage_response(context["request"], exc, json=True)
    if isinstance(exc, (backends.ServiceNotConfigured, backends.ServiceUnavailable)):
        return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "not found")
    response = exception_handler(exc, context)
    if response is None:
        view = context.get("view")
        logger.exception("unexpected error in %s", view.__class__.__name__ if view else "a services view")
        return Response({"detail": "internal server error"}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    return response


class ServicesAPIView(APIView):
    authentication_classes = [SessionAuth]
    permission_classes = [IsStaffOrReadOnly]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]

    def get_exception_handler(self):
        return services_exception_handler

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # API answers depend on the session and change with every write: no
        # browser or proxy keeps them (the site's own page cache does, for
        # anonymous reads, and forgets them on every write: below).
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        if request.method not in permissions.SAFE_METHODS and response.status_code < 400:
            # Both stores: the MongoDB one sends no Django signal.
            pagecache.bump_on_commit("orgs")
        return response


class StoreView(ServicesAPIView):
    """Resolves the URL's <store> (self.store; handlers do not get it as an
    argument) and looks up the ids in the URL, answering 404 for unknown ones."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = self.store_key
        self.store = stores.get_store(key)
        if self.store is None:
            raise exceptions.NotFound(f"unknown store {key!r}: use {stores.choices_text()}")

    def dispatch(self, request, *args, **kwargs):
        # <store> is for initial(); the handlers do not need it.
        self.store_key = kwargs.get("store")
        return super().dispatch(request, *args, **{k: v for k, v in kwargs.items() if k != "store"})

    def get_org_or_404(self, org_id):
        return found(self.store.get_org(org_id), "org")

    def get_group_or_404(self, org_id, group_id):
        return found(self.store.get_group(org_id, group_id), "group")

    def validated(self, serializer_class, request, partial=False, **context):
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["expected a JSON object"]})
        serializer = serializer_class(data=request.data, partial=partial, context={"store": self.store, **context})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def notify(self, org_id, status_name, group_id=None):
        """Publish the change notice once the write is committed."""
        self.store.on_commit(functools.partial(notices.publish, self.store.key, org_id, status_name, group_id))


def found(value, what):
    """value, unless it is None (or False): then a 404 "<what> not found"."""
    if value is None or value is False:
        raise exceptions.NotFound(f"{what} not found")
    return value
