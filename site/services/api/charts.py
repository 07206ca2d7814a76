"""org-chart/<org_id>/<store> (the whole chart, cached) and
org-chart/<org_id>/status/<store> (the next change notice)."""

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.response import Response

from services import backends, notices
from services.api.base import StoreView


def chart_cache_key(store_key, org_id, rev):
    return f"services:orgchart:{store_key}:{org_id}:{rev}"


class OrgChartView(StoreView):
    """The org and all its groups, cached per (store, org, revision): every
    change bumps the org's revision in the same write, so a cached chart is
    never stale -- not even after an invalidation was lost in a Redis outage."""

    def get(self, request, org_id):
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

    def get(self, request, org_id):
        normal = self.store.normalize_id(org_id)
        if normal is None:
            raise exceptions.NotFound("org not found")
        try:
            notice = notices.next_notice(self.store.key, normal)
        except backends.ServiceNotConfigured:
            self.get_org_or_404(org_id)
            return Response({"status": notices.NO_CHANGES, "detail": "notices not configured"})
        if notice is None:
            self.get_org_or_404(org_id)
            return Response({"status": notices.NO_CHANGES})
        return Response(notice)
