"""The org chart's REST API (the original Open PaaS sample's shapes).

    orgs/<store>                               GET list, POST create (201 {"org": id})
    orgs/<org_id>/<store>                      GET, PUT, PATCH, DELETE (with its groups)
    orgs/<org_id>/groups/<store>               GET list, POST create (201 {"group": id})  -- groups.py
    orgs/<org_id>/groups/<group_id>/<store>    GET, PUT, PATCH, DELETE (with its subtree) -- groups.py
    org-chart/<org_id>/<store>                 GET {"org": {...}, "groups": [...]} (cached) -- charts.py
    org-chart/<org_id>/status/<store>          GET the next change notice, or NO_CHANGES    -- charts.py

<store> is a key of services.stores ("mysql" or "mongo"). PUT takes the same
body as create: label is required, and the other fields that are present
replace the stored ones (absent ones are left as they are; "parent_id": ""
makes a group top-level). PATCH is the same without the required label. Ids,
created and modified in a body are ignored (clients send the whole object back).
"""

from django.utils.decorators import method_decorator
from rest_framework import status
from rest_framework.response import Response

from mysite.pagecache import cache_anonymous_page
from services.api.base import StoreView, found
from services.api.serializers import OrgSerializer


# Anonymous reads of the list are served from the page cache (mysite.pagecache),
# forgotten on every write (StoreView.finalize_response).
@method_decorator(cache_anonymous_page("orgs"), name="dispatch")
class OrgListView(StoreView):
    def get(self, request):
        return Response({"orgs": self.store.list_orgs()})

    def post(self, request):
        org = self.store.create_org(self.validated(OrgSerializer, request))
        # No notice: nobody can be watching an org that did not exist.
        return Response({"org": org["id"]}, status=status.HTTP_201_CREATED)


class OrgDetailView(StoreView):
    def get(self, request, org_id):
        return Response({"org": self.get_org_or_404(org_id)})

    def put(self, request, org_id, partial=False):
        org = self.get_org_or_404(org_id)
        data = self.validated(OrgSerializer, request, partial=partial)
        org = found(self.store.update_org(org["id"], data), "org")
        self.notify(org["id"], "ORG_UPDATED")
        return Response({"org": org})

    def patch(self, request, org_id):
        return self.put(request, org_id, partial=True)

    def delete(self, request, org_id):
        org = self.get_org_or_404(org_id)
        found(self.store.delete_org(org["id"]), "org")
        self.notify(org["id"], "ORG_DELETED")
        return Response({"org": org["id"], "detail": "org and its groups deleted"})
