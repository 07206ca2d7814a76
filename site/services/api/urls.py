"""The services app's JSON API under /services/ (a trailing slash is optional),
included by services/urls.py."""

from django.http import JsonResponse
from django.urls import re_path

from services.api import auth, charts, groups, orgs, uploads

SEG = r"[^/]+"


def _not_found(request, *args, **kwargs):
    return JsonResponse({"detail": "not found"}, status=404)


urlpatterns = [
    re_path(rf"^orgs/(?P<store>{SEG})/?$", orgs.OrgListView.as_view(), name="api-orgs"),
    re_path(rf"^orgs/(?P<org_id>{SEG})/groups/(?P<store>{SEG})/?$", groups.GroupListView.as_view(), name="api-groups"),
    re_path(
        rf"^orgs/(?P<org_id>{SEG})/groups/(?P<group_id>{SEG})/(?P<store>{SEG})/?$",
        groups.GroupDetailView.as_view(),
        name="api-group",
    ),
    re_path(rf"^orgs/(?P<org_id>{SEG})/(?P<store>{SEG})/?$", orgs.OrgDetailView.as_view(), name="api-org"),
    re_path(
        rf"^org-chart/(?P<org_id>{SEG})/status/(?P<store>{SEG})/?$",
        charts.OrgChartStatusView.as_view(),
        name="api-org-chart-status",
    ),
    re_path(rf"^org-chart/(?P<org_id>{SEG})/(?P<store>{SEG})/?$", charts.OrgChartView.as_view(), name="api-org-chart"),
    re_path(r"^manage/login/?$", auth.ApiLoginView.as_view(), name="api-login"),
    re_path(r"^manage/logout/?$", auth.ApiLogoutView.as_view(), name="api-logout"),
    re_path(r"^upload/?$", uploads.UploadView.as_view(), name="api-upload"),
    re_path(r"^images/(?P<name>[^/]+)$", uploads.ImageView.as_view(), name="image"),
    # Anything else under the API's prefixes is a JSON 404 too (not an HTML page).
    re_path(r"^(?:orgs|org-chart|images)(?:/.*)?$", _not_found),
]
