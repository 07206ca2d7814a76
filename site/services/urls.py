"""URLs under /services/ (app_name "services"): the pages, then the REST API
(services/api/urls.py). No page path overlaps an API path: the API has
orgs/..., org-chart/..., upload, images/..., manage/login and manage/logout."""

from django.urls import include, path

from services.views import auth, dashboard, manage, org_chart

app_name = "services"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("status.json", dashboard.status_json, name="status"),
    path("main/<str:org_id>", org_chart.org_chart_page, name="org_chart_page"),
    path("login/", auth.PageLoginView.as_view(), name="login"),
    path("logout/", auth.PageLogoutView.as_view(), name="logout"),
    path("manage/", manage.manage_orgs, name="manage"),
    path("manage/orgs/new/", manage.manage_org_form, name="manage_org_add"),
    path("manage/orgs/<str:org_id>/", manage.manage_org_form, name="manage_org_edit"),
    path("manage/orgs/<str:org_id>/groups/", manage.manage_groups, name="manage_groups"),
    path("manage/orgs/<str:org_id>/groups/new/", manage.manage_group_form, name="manage_group_add"),
    path("manage/orgs/<str:org_id>/groups/<str:group_id>/", manage.manage_group_form, name="manage_group_edit"),
    path("", include("services.api.urls")),
]
