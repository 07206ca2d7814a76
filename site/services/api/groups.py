"""orgs/<org_id>/groups/<store> and orgs/<org_id>/groups/<group_id>/<store>
(see orgs.py for the API's shapes)."""

from rest_framework import status
from rest_framework.response import Response

from services.api.base import StoreView, found
from services.api.serializers import GroupSerializer


class GroupListView(StoreView):
    def get(self, request, org_id):
        org = self.get_org_or_404(org_id)
        return Response({"groups": self.store.list_groups(org["id"])})

    def post(self, request, org_id):
        org = self.get_org_or_404(org_id)
        data = self.validated(GroupSerializer, request, org_id=org["id"])
        group = self.store.create_group(org["id"], data)
        self.notify(org["id"], "GROUP_ADDED", group["id"])
        return Response({"group": group["id"]}, status=status.HTTP_201_CREATED)


class GroupDetailView(StoreView):
    def get(self, request, org_id, group_id):
        return Response({"group": self.get_group_or_404(org_id, group_id)})

    def put(self, request, org_id, group_id, partial=False):
        group = self.get_group_or_404(org_id, group_id)
        data = self.validated(GroupSerializer, request, partial=partial, org_id=group["org_id"], group_id=group["id"])
        group = found(self.store.update_group(group["org_id"], group["id"], data), "group")
        self.notify(group["org_id"], "GROUP_UPDATED", group["id"])
        return Response({"group": group})

    def patch(self, request, org_id, group_id):
        return self.put(request, org_id, group_id, partial=True)

    def delete(self, request, org_id, group_id):
        group = self.get_group_or_404(org_id, group_id)
        deleted = found(self.store.delete_group(group["org_id"], group["id"]), "group")
        self.notify(group["org_id"], "GROUP_DELETED", group["id"])
        return Response({"group": group["id"], "deleted": deleted, "detail": "group and its subgroups deleted"})
