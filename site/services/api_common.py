"""What every JSON view of the services app shares: session auth (staff to
write), JSON in and out, CSRF on, and errors that are always JSON."""
import logging

from django.http import Http404
from rest_framework import exceptions, permissions, status
from rest_framework.authentication import CSRFCheck, SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from mysite.errors import is_database_outage, outage_response
from services import backends

logger = logging.getLogger("services")


class SessionAuth(SessionAuthentication):
    """Django's session login; an anonymous write gets 401 (not 403): the
    client should log in via manage/login. CSRF is enforced for logged-in users."""

    def authenticate_header(self, request):
        return 'Session realm="services", login="/services/manage/login"'


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
    if isinstance(exc, backends.ServiceNotConfigured):
        return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    if isinstance(exc, backends.ServiceUnavailable):
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
        # API answers depend on the session and change with every write.
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response
