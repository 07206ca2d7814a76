"""manage/login and manage/logout: the JSON session login of the org chart API
(the pages' login form is services.views.auth).

GET  manage/login   -> {"csrftoken", "user", "is_staff"} and sets the csrftoken cookie
POST manage/login   {"id", "password"} (X-CSRFToken header required)
                    -> 200 {"detail", "user", "csrftoken"} (a NEW token: login rotates it)
                    bad body 400, wrong id/password 401, not staff 403
POST manage/logout  (X-CSRFToken header required) -> 200 {"detail", "csrftoken"}
"""

import logging

from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from rest_framework import exceptions, permissions, status
from rest_framework.response import Response

from services.api.base import ServicesAPIView, enforce_csrf
from services.api.serializers import LoginSerializer

logger = logging.getLogger("services")


def _whoami(request):
    user = request.user
    if user is not None and user.is_authenticated:
        return user.get_username(), bool(user.is_staff)
    return None, False


@method_decorator(ensure_csrf_cookie, name="dispatch")
class ApiLoginView(ServicesAPIView):
    # Anyone may call it; the session tells who is logged in. CSRF is checked by
    # hand in post() because DRF checks it only for logged-in users.
    permission_classes = [permissions.AllowAny]

    def get(self, request):
        user, is_staff = _whoami(request)
        return Response({"csrftoken": get_token(request._request), "user": user, "is_staff": is_staff})

    def post(self, request):
        enforce_csrf(request)
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["expected a JSON object"]})
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=serializer.validated_data["id"],
            password=serializer.validated_data["password"],
        )
        if user is None:
            logger.info("failed API login for %r", serializer.validated_data["id"][:150])
            return Response(
                {"detail": "invalid id or password"},
                status=status.HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": 'Session realm="services"'},
            )
        if not user.is_staff:
            return Response(
                {"detail": "staff only: this account may not manage the org chart"}, status=status.HTTP_403_FORBIDDEN
            )
        login(request._request, user)
        return Response(
            {
                "detail": "logged in",
                "user": user.get_username(),
                "is_staff": True,
                # login() rotated the CSRF token: send the new one with later writes.
                "csrftoken": get_token(request._request),
            }
        )


class ApiLogoutView(ServicesAPIView):
    permission_classes = [permissions.AllowAny]

    def post(self, request):
        enforce_csrf(request)
        logout(request._request)
        return Response({"detail": "logged out", "csrftoken": get_token(request._request)})
