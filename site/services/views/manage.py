"""/services/manage/...: the management pages (staff only). The pages list and
show; their forms call the REST API (static/services/js/manage.js), whose URLs
the templates give it in data- attributes: data-api-base, and paths under it."""

from functools import wraps

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

from services import stores, tree
from services.views.common import NotFoundPage, get_org, list_groups, store_page

GROUPS_PER_PAGE = 10


def staff_required(view):
    """Anonymous users go to the login page; logged-in non-staff get a 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("services:login"), REDIRECT_FIELD_NAME)
        if not (user.is_active and user.is_staff):
            raise PermissionDenied(_("Only staff members can manage organisations."))
        return view(request, *args, **kwargs)

    return wrapper


def manage_page(view):
    """A management page: never cached, sets the CSRF cookie the API needs,
    staff only, the store remembered in the session, store errors as pages."""
    return never_cache(ensure_csrf_cookie(staff_required(store_page(remember=True)(view))))


def api_base():
    """Where the REST API lives: services/urls.py includes it at the app's root."""
    return reverse("services:dashboard")


def _render(request, template, store_name, status=200, **context):
    context = {"store": store_name, "stores": stores.KEYS, "svc_tab": "manage", "api_base": api_base(), **context}
    return render(request, template, context, status=status)


@manage_page
def manage_orgs(request, store_name):
    orgs = stores.get_store(store_name).list_orgs() or []
    return _render(request, "services/manage/orgs.html", store_name, orgs=orgs)


@manage_page
def manage_org_form(request, store_name, org_id=None):
    org = get_org(store_name, org_id) if org_id is not None else None
    return _render(request, "services/manage/org_form.html", store_name, org=org)


@manage_page
def manage_groups(request, store_name, org_id):
    org = get_org(store_name, org_id)
    groups = list_groups(store_name, org)
    page = Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    return _render(request, "services/manage/groups.html", store_name, org=org, page=page, total=len(groups))


@manage_page
def manage_group_form(request, store_name, org_id, group_id=None):
    org = get_org(store_name, org_id)
    groups = list_groups(store_name, org)
    group = None
    if group_id is not None:
        group = next((g for g in groups if str(g.get("id")) == str(group_id)), None)
        if group is None:
            raise NotFoundPage(_("This organisation has no group with the id “%(id)s”.") % {"id": group_id})
    return _render(
        request,
        "services/manage/group_form.html",
        store_name,
        org=org,
        group=group,
        parents=tree.parent_choices(groups, group),
        max_upload=settings.SERVICES_UPLOAD_MAX_BYTES,
    )
