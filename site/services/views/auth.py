"""The pages' login and logout (Django's own views, in the services look).
The JSON login of the REST API is services.api.auth."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy


class PageLoginView(auth_views.LoginView):
    template_name = "services/login.html"
    next_page = reverse_lazy("services:manage")
    extra_context = {"svc_tab": "login"}


class PageLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("services:dashboard")
