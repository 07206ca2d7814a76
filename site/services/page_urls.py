"""The pages under /services/ (included by services/urls.py, app_name "services").

None of these paths overlaps the REST API's (services/api_urls.py):
the API has orgs/..., org-chart/..., upload, manage/login and manage/logout.
"""
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from services import views_pages as views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("status.json", views.status_json, name="status"),
    path("main/<str:org_id>", views.org_chart_page, name="org_chart_page"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="services/login.html",
            next_page=reverse_lazy("services:manage"),
            extra_context={"svc_tab": "login"},
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page=reverse_lazy("services:dashboard")), name="logout"),
    path("manage/", views.manage_orgs, name="manage"),
    path("manage/orgs/new/", views.manage_org_form, name="manage_org_add"),
    path("manage/orgs/<str:org_id>/", views.manage_org_form, name="manage_org_edit"),
    path("manage/orgs/<str:org_id>/groups/", views.manage_groups, name="manage_groups"),
    path("manage/orgs/<str:org_id>/groups/new/", views.manage_group_form, name="manage_group_add"),
    path("manage/orgs/<str:org_id>/groups/<str:group_id>/", views.manage_group_form, name="manage_group_edit"),
]
