"""The pages of the services app (the REST API is in helper views of its own).

* ``/services/``             dashboard of the backing services and mod_wsgi
* ``/services/status.json``  the same data as JSON (the dashboard polls it)
* ``/healthz``               for monitors: 200 when the database answers, else 503
* ``/services/main/<id>``    an organisation's chart (cards and a tree)
* ``/services/manage/...``   management pages for staff (forms call the REST API)
* ``/services/login/``, ``/services/logout/``

The health data comes from ``services.health`` (check_all, check_database);
the org chart data from the stores of ``services.stores`` -- the same code the
REST API uses, so a page shows exactly what the API would answer.
"""
import logging
from functools import wraps

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

from runtime.info import runtime_info
from services import health

logger = logging.getLogger("services")

STORES = ("mysql", "mongo")
DEFAULT_STORE = "mysql"
SESSION_STORE_KEY = "services_store"
GROUPS_PER_PAGE = 10


# --- Health: dashboard, status.json, /healthz --------------------------------

# /healthz must stay cheap even when a load balancer asks every second: the
# slow part (connecting to Redis, MongoDB, RabbitMQ, Swift) is shared between
# the requests of a process and refreshed in the background
# (health.cached_services). The database is asked every time.
def _other_services():
    return health.cached_services()


def clear_health_cache():
    """Forget the cached results (tests, and the dashboard's fresh view)."""
    health.clear_cache()


def _status_payload(request, *, fresh):
    if fresh:
        clear_health_cache()
    database = health.check_database()
    services = [database] + _other_services()
    configured = [s for s in services if s.get("configured")]
    down = [s for s in configured if not s.get("ok")]
    return {
        "ok": bool(database.get("ok")),
        "status": "ok" if database.get("ok") and not down else ("degraded" if database.get("ok") else "down"),
        "checked_at": timezone.localtime().isoformat(timespec="seconds"),
        "services": services,
        "runtime": runtime_info(request.environ) if request is not None else None,
    }


def _decorate(service):
    """Adds what a template needs: a state ('up', 'down', 'off') and its label."""
    state = "off" if not service.get("configured") else ("up" if service.get("ok") else "down")
    labels = {"up": _("Up"), "down": _("Down"), "off": _("Not configured")}
    return {**service, "state": state, "state_label": labels[state]}


@never_cache
def dashboard(request):
    payload = _status_payload(request, fresh=True)
    services = [_decorate(s) for s in payload["services"]]
    counts = {
        "up": sum(1 for s in services if s["state"] == "up"),
        "down": sum(1 for s in services if s["state"] == "down"),
        "off": sum(1 for s in services if s["state"] == "off"),
    }
    return render(request, "services/dashboard.html", {
        "svc_tab": "status",
        "services": services,
        "counts": counts,
        "overall": payload["status"],
        "checked_at": payload["checked_at"],
        "runtime": payload["runtime"],
        "runtime_rows": _runtime_rows(payload["runtime"]),
    })


def _runtime_rows(info):
    """(label, value) pairs of the runtime card, most interesting first."""
    info = info or {}
    rows = [
        ("mode", _("Mode")),
        ("process_group", _("Process group")),
        ("application_group", _("Application group")),
        ("pid", _("Process ID")),
        ("threads", _("Threads")),
        ("threads_per_process", _("Threads per process")),
        ("maximum_processes", _("Maximum processes")),
        ("user", _("User")),
        ("mpm", _("Apache MPM")),
        ("apache_version", _("Apache version")),
        ("mod_wsgi_version", _("mod_wsgi version")),
        ("python_version", _("Python version")),
    ]
    out = []
    for key, label in rows:
        if key not in info:
            continue
        value = info.get(key)
        if key == "application_group" and info.get("application_group_label"):
            value = info["application_group_label"]
        if key == "process_group" and value == "":
            value = None
        out.append({"key": key, "label": label, "value": value})
    return out


@never_cache
def status_json(request):
    payload = _status_payload(request, fresh=False)
    payload["services"] = [_decorate(s) for s in payload["services"]]
    payload["runtime_rows"] = _runtime_rows(payload["runtime"])
    return JsonResponse(payload)


@never_cache
def healthz(request):
    """200 when the main database answers, 503 otherwise; never raises."""
    try:
        payload = _status_payload(None, fresh=False)
        body = {
            "status": "ok" if payload["ok"] else "fail",
            "overall": payload["status"],
            "checked_at": payload["checked_at"],
            "services": {
                s.get("key", "?"): {
                    "name": s.get("name"),
                    "configured": bool(s.get("configured")),
                    "ok": bool(s.get("ok")),
                    "latency_ms": s.get("latency_ms"),
                    "version": s.get("version"),
                    "detail": s.get("detail", ""),
                }
                for s in payload["services"]
            },
        }
        return JsonResponse(body, status=200 if payload["ok"] else 503)
    except Exception as exc:  # noqa: BLE001 - last resort: still JSON, still no traceback
        logger.exception("healthz failed")
        return JsonResponse({"status": "fail", "detail": exc.__class__.__name__}, status=503)


# --- The org chart -----------------------------------------------------------

def _store_name(request, *, remember=False):
    """?store=mysql|mongo, else the one remembered in the session, else mysql."""
    name = request.GET.get("store", "")
    if name in STORES:
        if remember:
            try:
                request.session[SESSION_STORE_KEY] = name
            except Exception:  # noqa: BLE001 - a session backend hiccup is no reason to fail
                pass
        return name
    if remember:
        try:
            name = request.session.get(SESSION_STORE_KEY, "")
        except Exception:  # noqa: BLE001
            name = ""
        if name in STORES:
            return name
    return DEFAULT_STORE


class StoreError(Exception):
    """The store cannot answer (not configured, or its service is down)."""


def _store(name):
    from services import stores

    try:
        store = stores.get_store(name)
    except Exception as exc:  # noqa: BLE001 - e.g. the mongo store without MONGO_URI
        raise StoreError(str(exc) or exc.__class__.__name__) from exc
    if store is None:  # cannot happen: _store_name only returns known names
        raise StoreError(f"unknown store {name!r}")
    return store


def _call_store(fn, *args):
    """Runs a store call (None = not found); an outage comes back as StoreError."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - ServiceUnavailable, ServiceNotConfigured...
        logger.warning("store call %s failed: %s: %s", getattr(fn, "__name__", fn), exc.__class__.__name__, exc)
        raise StoreError(str(exc) or exc.__class__.__name__) from exc


def _thumb_url(group):
    """The URL of a group's thumbnail: thumb_img_path is what upload returned
    (/services/images/<name>) or an http(s) URL; thumb_img_name is the file's name."""
    path = (group.get("thumb_img_path") or "").strip()
    if path.startswith(("http://", "https://")):
        return path
    if path.startswith("/"):
        from django.urls import get_script_prefix

        return get_script_prefix().rstrip("/") + path
    return ""


def build_tree(groups):
    """Groups nested by parent_id: a list of {"group", "children"} (top level first).

    A group whose parent is missing is shown at the top level rather than lost;
    a cycle (which the stores should never allow) cannot loop forever.
    """
    by_id = {str(g.get("id")): g for g in groups}
    children = {}
    roots = []
    for g in groups:
        parent = str(g.get("parent_id") or "")
        if parent and parent in by_id and parent != str(g.get("id")):
            children.setdefault(parent, []).append(g)
        else:
            roots.append(g)

    seen = set()

    def node(g, depth):
        gid = str(g.get("id"))
        seen.add(gid)
        kids = [k for k in children.get(gid, []) if str(k.get("id")) not in seen]
        return {"group": g, "depth": depth, "children": [node(k, depth + 1) for k in kids]}

    tree = [node(g, 0) for g in roots]
    # Groups only reachable through a cycle: show them at the top level too.
    for g in groups:
        if str(g.get("id")) not in seen:
            tree.append(node(g, 0))
    return tree


def _with_thumbs(groups, parents=None):
    out = []
    labels = {str(g.get("id")): g.get("label") for g in groups}
    for g in groups:
        g = dict(g)
        g["thumb_url"] = _thumb_url(g)
        g["parent_label"] = labels.get(str(g.get("parent_id") or ""), "")
        out.append(g)
    return out


def _not_found(request, message, store=None):
    return render(request, "services/not_found.html", {"message": message, "store": store}, status=404)


def _unavailable(request, store, detail):
    response = render(request, "services/unavailable.html",
                      {"store": store, "stores": STORES, "detail": detail}, status=503)
    response["Retry-After"] = str(settings.DATABASE_OUTAGE_RETRY_AFTER)
    return response


class PageResponse(Exception):
    """Raised with the page (a 404 or a 503) to answer instead of the view's own."""

    def __init__(self, response):
        super().__init__(response.status_code)
        self.response = response


def _org_and_groups(request, store_name, org_id, *, with_groups=True):
    """The org and its groups from the chosen store; an unknown org or a store
    that cannot answer raises PageResponse with the friendly 404 or 503 page."""
    try:
        store = _store(store_name)
        org = _call_store(store.get_org, str(org_id))
        if org is None:
            raise PageResponse(_not_found(
                request,
                _("There is no organisation with the id “%(id)s” in the %(store)s store.")
                % {"id": org_id, "store": store_name},
                store_name,
            ))
        groups = (_call_store(store.list_groups, str(org_id)) or []) if with_groups else []
    except StoreError as exc:
        raise PageResponse(_unavailable(request, store_name, str(exc))) from exc
    return org, groups


@never_cache
def org_chart_page(request, org_id):
    store_name = _store_name(request)
    try:
        org, groups = _org_and_groups(request, store_name, org_id)
    except PageResponse as page:
        return page.response
    groups = _with_thumbs(groups)
    return render(request, "services/org_chart.html", {
        "svc_tab": "chart",
        "org": org,
        "groups": groups,
        "tree": build_tree(groups),
        "store": store_name,
        "stores": STORES,
        "api_url": _api_url(f"/services/org-chart/{org['id']}/{store_name}"),
    })


def _api_url(path):
    """A path of helper-3's API under the site's script prefix (/ when deployed at the root)."""
    from django.urls import get_script_prefix

    return get_script_prefix().rstrip("/") + path


# --- Management pages (staff only) ------------------------------------------

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


def _api_base():
    """Where helper-3's REST API lives (services/api_urls.py), for manage.js."""
    from django.urls import get_script_prefix

    return get_script_prefix() + "services/"


def _manage_context(request, store_name, **extra):
    return {"store": store_name, "stores": STORES, "svc_tab": "manage", "api_base": _api_base(), **extra}


@never_cache
@ensure_csrf_cookie
@staff_required
def manage_orgs(request):
    store_name = _store_name(request, remember=True)
    try:
        orgs = _call_store(_store(store_name).list_orgs) or []
    except StoreError as exc:
        return render(request, "services/manage/orgs.html",
                      _manage_context(request, store_name, orgs=[], store_error=str(exc)), status=503)
    return render(request, "services/manage/orgs.html", _manage_context(request, store_name, orgs=orgs))


@never_cache
@ensure_csrf_cookie
@staff_required
def manage_org_form(request, org_id=None):
    store_name = _store_name(request, remember=True)
    org = None
    if org_id is not None:
        try:
            org, _groups = _org_and_groups(request, store_name, org_id, with_groups=False)
        except PageResponse as page:
            return page.response
    return render(request, "services/manage/org_form.html", _manage_context(request, store_name, org=org))


@never_cache
@ensure_csrf_cookie
@staff_required
def manage_groups(request, org_id):
    store_name = _store_name(request, remember=True)
    try:
        org, groups = _org_and_groups(request, store_name, org_id)
    except PageResponse as page:
        return page.response
    groups = _with_thumbs(groups)
    page = Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "services/manage/groups.html",
                  _manage_context(request, store_name, org=org, page=page, total=len(groups)))


@never_cache
@ensure_csrf_cookie
@staff_required
def manage_group_form(request, org_id, group_id=None):
    store_name = _store_name(request, remember=True)
    try:
        org, groups = _org_and_groups(request, store_name, org_id)
    except PageResponse as page:
        return page.response
    group = None
    if group_id is not None:
        group = next((g for g in groups if str(g.get("id")) == str(group_id)), None)
        if group is None:
            return _not_found(request, _("This organisation has no group with the id “%(id)s”.") % {"id": group_id},
                              store_name)
        group = _with_thumbs([group])[0]
    # A group cannot be its own parent, nor a child of one of its descendants.
    excluded = set()
    if group is not None:
        excluded.add(str(group["id"]))
        changed = True
        while changed:
            changed = False
            for g in groups:
                if str(g.get("parent_id") or "") in excluded and str(g.get("id")) not in excluded:
                    excluded.add(str(g.get("id")))
                    changed = True
    parents = [g for g in groups if str(g.get("id")) not in excluded]
    return render(request, "services/manage/group_form.html",
                  _manage_context(request, store_name, org=org, group=group, parents=parents,
                                  max_upload=getattr(settings, "SERVICES_UPLOAD_MAX_BYTES", 2 * 1024 * 1024)))

