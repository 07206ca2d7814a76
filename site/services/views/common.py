"""What the org chart pages share: the store a request asks for, the org
lookup, and the one error path -- a store that cannot answer becomes the
services' 503 page, an unknown org or group the 404 page (store_page)."""

import logging
from functools import wraps

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from mysite import pagecache
from services import backends, stores

logger = logging.getLogger("services")

SESSION_STORE_KEY = "services_store"

# What a store raises when it cannot answer: its service is not configured,
# is down, or (the "mysql" store) the main database is unreachable.
STORE_ERRORS = (backends.ServiceNotConfigured, backends.ServiceUnavailable, OperationalError, InterfaceError)


class NotFoundPage(Exception):
    """Answer with the services' 404 page saying `message`."""


def store_name(request, *, remember=False):
    """?store=mysql|mongo, else (remember=True) the one remembered in the session, else the default."""
    name = request.GET.get("store", "")
    if name in stores.KEYS:
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
        if name in stores.KEYS:
            return name
    return stores.DEFAULT


def store_page(*, remember=False):
    """Decorator of a page view(request, store_name, ...): passes the chosen
    store's name; NotFoundPage -> 404 page, a store that cannot answer -> 503."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            name = store_name(request, remember=remember)
            try:
                return view(request, name, *args, **kwargs)
            except NotFoundPage as exc:
                return render(request, "services/not_found.html", {"message": str(exc), "store": name}, status=404)
            except STORE_ERRORS as exc:
                logger.warning("%s store unavailable: %s: %s", name, exc.__class__.__name__, exc)
                response = render(
                    request,
                    "services/unavailable.html",
                    {"store": name, "stores": stores.KEYS, "detail": str(exc) or exc.__class__.__name__},
                    status=503,
                )
                response["Retry-After"] = str(settings.DATABASE_OUTAGE_RETRY_AFTER)
                return response

        return wrapper

    return decorate


def get_org(store_name, org_id):
    """The org, or NotFoundPage."""
    org = stores.get_store(store_name).get_org(str(org_id))
    if org is None:
        raise NotFoundPage(
            _("There is no organisation with the id “%(id)s” in the %(store)s store.")
            % {"id": org_id, "store": store_name}
        )
    return org


def cached_org(store_name, org_id):
    """(the org, the "orgs" generation): get_org, from the page cache when
    there (one round trip), so a page whose groups come from a {% cache %}
    fragment costs no query. An unknown org is not cached."""
    normal = stores.get_store(store_name).normalize_id(str(org_id))
    key = f"services:org:{store_name}:{normal}"
    generation, org = pagecache.get_with_generation("orgs", key) if normal else (None, None)
    if org is None:
        org = get_org(store_name, org_id)
        if generation is not None:
            pagecache.set_with_generation(key, generation, org)
    return org, generation


def lazy_groups(store_name, org):
    """list_groups, read only when a template first uses it (a fragment miss)."""
    return SimpleLazyObject(lambda: list_groups(store_name, org))


def list_groups(store_name, org):
    """The org's groups, each with what a page shows: thumb_url and parent_label."""
    groups = stores.get_store(store_name).list_groups(org["id"]) or []
    return with_thumbs(groups)


def thumb_url(group):
    """The URL of a group's thumbnail: thumb_img_path is what upload returned
    (the URL of services:image) or an http(s) URL; thumb_img_name is the file's name."""
    path = (group.get("thumb_img_path") or "").strip()
    return path if path.startswith(("http://", "https://", "/")) else ""


def with_thumbs(groups):
    labels = {str(g.get("id")): g.get("label") for g in groups}
    return [
        {**g, "thumb_url": thumb_url(g), "parent_label": labels.get(str(g.get("parent_id") or ""), "")} for g in groups
    ]
