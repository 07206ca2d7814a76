"""The services app's JSON API under /services/ (a trailing slash is optional)."""
from django.urls import re_path

from services import api, views_auth, views_upload

SEG = r"[^/]+"

urlpatterns = [
    re_path(rf"^orgs/(?P<store>{SEG})/?$", api.OrgListView.as_view(), name="api-orgs"),
    re_path(rf"^orgs/(?P<org_id>{SEG})/groups/(?P<store>{SEG})/?$", api.GroupListView.as_view(), name="api-groups"),
    re_path(
        rf"^orgs/(?P<org_id>{SEG})/groups/(?P<group_id>{SEG})/(?P<store>{SEG})/?$",
        api.GroupDetailView.as_view(),
        name="api-group",
    ),
    re_path(rf"^orgs/(?P<org_id>{SEG})/(?P<store>{SEG})/?$", api.OrgDetailView.as_view(), name="api-org"),
    re_path(
        rf"^org-chart/(?P<org_id>{SEG})/status/(?P<store>{SEG})/?$",
        api.OrgChartStatusView.as_view(),
        name="api-org-chart-status",
    ),
    re_path(rf"^org-chart/(?P<org_id>{SEG})/(?P<store>{SEG})/?$", api.OrgChartView.as_view(), name="api-org-chart"),
    re_path(r"^manage/login/?$", views_auth.LoginView.as_view(), name="api-login"),
    re_path(r"^manage/logout/?$", views_auth.LogoutView.as_view(), name="api-logout"),
    re_path(r"^upload/?$", views_upload.UploadView.as_view(), name="api-upload"),
    re_path(r"^images/(?P<name>[^/]+)$", views_upload.ImageView.as_view(), name="image"),
]


def _not_found(request, *args, **kwargs):
    from django.http import JsonResponse

    return JsonResponse({"detail": "not found"}, status=404)


# Anything else under the API's prefixes is a JSON 404 too (not an HTML page).
urlpatterns.append(re_path(r"^(?:orgs|org-chart|images)(?:/.*)?$", _not_found))
