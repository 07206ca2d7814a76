"""The org chart's REST API (the original Open PaaS sample's shapes).

    orgs/<store>                               GET list, POST create (201 {"org": id})
    orgs/<org_id>/<store>                      GET, PUT, PATCH, DELETE (with its groups)
    orgs/<org_id>/groups/<store>               GET list, POST create (201 {"group": id})
    orgs/<org_id>/groups/<group_id>/<store>    GET, PUT, PATCH, DELETE (with its subtree)
    org-chart/<org_id>/<store>                 GET {"org": {...}, "groups": [...]} (cached)
    org-chart/<org_id>/status/<store>          GET the next change notice, or NO_CHANGES

<store> is "mysql" or "mongo". PUT takes the same body as create: label is
required, and the other fields that are present replace the stored ones (absent
ones are left as they are; "parent_id": "" makes a group top-level). PATCH
is the same without the required label. Ids, created and modified in a body
are ignored (clients send the whole object back).
"""
import functools

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions, status
from rest_framework.response import Response

from services import backends, notices
from services.api_common import ServicesAPIView
from services.serializers import GroupSerializer, OrgSerializer
from services.stores import get_store


def chart_cache_key(store_key, org_id, rev):
    return f"services:orgchart:{store_key}:{org_id}:{rev}"


class StoreView(ServicesAPIView):
    """Resolves <store> and looks up the ids in the URL, answering 404 for unknown ones."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = kwargs.get("store")
        self.store = get_store(key)
        if self.store is None:
            raise exceptions.NotFound(f"unknown store {key!r}: use 'mysql' or 'mongo'")

    def get_org_or_404(self, org_id):
        org = self.store.get_org(org_id)
        if org is None:
            raise exceptions.NotFound("org not found")
        return org

    def get_group_or_404(self, org_id, group_id):
        group = self.store.get_group(org_id, group_id)
        if group is None:
            raise exceptions.NotFound("group not found")
        return group

    def validated(self, serializer_class, request, partial=False, **context):
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["expected a JSON object"]})
        serializer = serializer_class(data=request.data, partial=partial, context={"store": self.store, **context})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def notify(self, org_id, status_name, group_id=None):
        """Publish the change notice once the write is committed."""
        self.store.on_commit(functools.partial(notices.publish, self.store.key, org_id, status_name, group_id))


class OrgListView(StoreView):
    def get(self, request, store):
        return Response({"orgs": self.store.list_orgs()})

    def post(self, request, store):
        org = self.store.create_org(self.validated(OrgSerializer, request))
        # No notice: nobody can be watching an org that did not exist.
        return Response({"org": org["id"]}, status=status.HTTP_201_CREATED)


class OrgDetailView(StoreView):
    def get(self, request, store, org_id):
        return Response({"org": self.get_org_or_404(org_id)})

    def put(self, request, store, org_id, partial=False):
        org = self.get_org_or_404(org_id)
        data = self.validated(OrgSerializer, request, partial=partial)
        org = self.store.update_org(org["id"], data)
        if org is None:
            raise exceptions.NotFound("org not found")
        self.notify(org["id"], "ORG_UPDATED")
        return Response({"org": org})

    def patch(self, request, store, org_id):
        return self.put(request, store, org_id, partial=True)

    def delete(self, request, store, org_id):
        org = self.get_org_or_404(org_id)
        if not self.store.delete_org(org["id"]):
            raise exceptions.NotFound("org not found")
        self.notify(org["id"], "ORG_DELETED")
        return Response({"org": org["id"], "detail": "org and its groups deleted"})


class GroupListView(StoreView):
    def get(self, request, store, org_id):
        org = self.get_org_or_404(org_id)
        return Response({"groups": self.store.list_groups(org["id"])})

    def post(self, request, store, org_id):
        org = self.get_org_or_404(org_id)
        data = self.validated(GroupSerializer, request, org_id=org["id"])
        group = self.store.create_group(org["id"], data)
        self.notify(org["id"], "GROUP_ADDED", group["id"])
        return Response({"group": group["id"]}, status=status.HTTP_201_CREATED)


class GroupDetailView(StoreView):
    def get(self, request, store, org_id, group_id):
        return Response({"group": self.get_group_or_404(org_id, group_id)})

    def put(self, request, store, org_id, group_id, partial=False):
        group = self.get_group_or_404(org_id, group_id)
        data = self.validated(GroupSerializer, request, partial=partial, org_id=group["org_id"], group_id=group["id"])
        group = self.store.update_group(group["org_id"], group["id"], data)
        if group is None:
            raise exceptions.NotFound("group not found")
        self.notify(group["org_id"], "GROUP_UPDATED", group["id"])
        return Response({"group": group})

    def patch(self, request, store, org_id, group_id):
        return self.put(request, store, org_id, group_id, partial=True)

    def delete(self, request, store, org_id, group_id):
        group = self.get_group_or_404(org_id, group_id)
        deleted = self.store.delete_group(group["org_id"], group["id"])
        if deleted is None:
            raise exceptions.NotFound("group not found")
        self.notify(group["org_id"], "GROUP_DELETED", group["id"])
        return Response({"group": group["id"], "deleted": deleted, "detail": "group and its subgroups deleted"})


class OrgChartView(StoreView):
    """The org and all its groups, cached per (store, org, revision): every
    change bumps the org's revision in the same write, so a cached chart is
    never stale -- not even after an invalidation was lost in a Redis outage."""

    def get(self, request, store, org_id):
        rev = self.store.chart_rev(org_id)
        if rev is None:
            raise exceptions.NotFound("org not found")
        key = chart_cache_key(self.store.key, self.store.normalize_id(org_id), rev)
        payload = cache.get(key)
        hit = payload is not None
        if not hit:
            org = self.get_org_or_404(org_id)
            payload = {"org": org, "groups": self.store.list_groups(org["id"])}
            cache.set(key, payload, settings.SERVICES_CHART_CACHE_SECONDS)
        response = Response(payload)
        response["X-Cache"] = "hit" if hit else "miss"
        return response


class OrgChartStatusView(StoreView):
    """Consumes the org's next change notice. Without AMQP_URL the answer is
    200 {"status": "NO_CHANGES", "detail": "notices not configured"}; with
    RabbitMQ down, 503. An unknown org with no pending notices is 404 (a
    deleted org's ORG_DELETED notice can still be read)."""

    def get(self, request, store, org_id):
        try:
            notice = notices.next_notice(self.store.key, self.normal_id(org_id))
        except backends.ServiceNotConfigured:
            self.get_org_or_404(org_id)
            return Response({"status": notices.NO_CHANGES, "detail": "notices not configured"})
        if notice is None:
            self.get_org_or_404(org_id)
            return Response({"status": notices.NO_CHANGES})
        return Response(notice)

    def normal_id(self, org_id):
        normal = self.store.normalize_id(org_id)
        if normal is None:
            raise exceptions.NotFound("org not found")
        return normal
