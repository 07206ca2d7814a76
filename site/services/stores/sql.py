"""The "mysql" store: Django models in the main database (MariaDB when deployed)."""

import re

from django.db import transaction
from django.db.models import F

from services.models import Group, Org
from services.stores.base import GROUP_WRITABLE, ORG_WRITABLE, Store

_INT_ID = re.compile(r"^[0-9]{1,19}$")
_MAX_ID = 2**63 - 1


def parse_id(value):
    """The integer id in value, or None when it is not a valid positive integer."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _INT_ID.match(value):
        return None
    number = int(value)
    return number if 0 < number <= _MAX_ID else None


def org_dict(org):
    return {
        "id": str(org.pk),
        "label": org.label,
        "desc": org.desc,
        "url": org.url,
        "created": org.created,
        "modified": org.modified,
    }


def group_dict(group):
    return {
        "id": str(group.pk),
        "org_id": str(group.org_id),
        "parent_id": str(group.parent_id) if group.parent_id else "",
        "label": group.label,
        "desc": group.desc,
        "url": group.url,
        "thumb_img_path": group.thumb_img_path,
        "thumb_img_name": group.thumb_img_name,
        "created": group.created,
        "modified": group.modified,
    }


def _bump(org_pk):
    Org.objects.filter(pk=org_pk).update(chart_rev=F("chart_rev") + 1)


class SqlStore(Store):
    key = "mysql"

    def normalize_id(self, value):
        parsed = parse_id(value)
        return None if parsed is None else str(parsed)

    def list_orgs(self):
        return [org_dict(org) for org in Org.objects.order_by("id")]

    def get_org(self, org_id):
        pk = parse_id(org_id)
        if pk is None:
            return None
        org = Org.objects.filter(pk=pk).first()
        return org_dict(org) if org else None

    def create_org(self, data):
        org = Org.objects.create(**{k: data[k] for k in ORG_WRITABLE if k in data})
        return org_dict(org)

    def update_org(self, org_id, data):
        pk = parse_id(org_id)
        if pk is None:
            return None
        with transaction.atomic():
            org = Org.objects.select_for_update().filter(pk=pk).first()
            if org is None:
                return None
            for field in ORG_WRITABLE:
                if field in data:
                    setattr(org, field, data[field])
            org.chart_rev = F("chart_rev") + 1
            org.save()
            org.refresh_from_db()
        return org_dict(org)

    def delete_org(self, org_id):
        pk = parse_id(org_id)
        if pk is None:
            return False
        with transaction.atomic():
            deleted, _ = Org.objects.filter(pk=pk).delete()  # CASCADE deletes the groups
        return deleted > 0

    def chart_rev(self, org_id):
        pk = parse_id(org_id)
        if pk is None:
            return None
        return Org.objects.filter(pk=pk).values_list("chart_rev", flat=True).first()

    def list_groups(self, org_id):
        pk = parse_id(org_id)
        if pk is None:
            return []
        return [group_dict(g) for g in Group.objects.filter(org_id=pk).order_by("id")]

    def get_group(self, org_id, group_id):
        org_pk, pk = parse_id(org_id), parse_id(group_id)
        if org_pk is None or pk is None:
            return None
        group = Group.objects.filter(pk=pk, org_id=org_pk).first()
        return group_dict(group) if group else None

    def find_group(self, group_id):
        pk = parse_id(group_id)
        if pk is None:
            return None
        group = Group.objects.filter(pk=pk).first()
        return group_dict(group) if group else None

    def _values(self, data):
        values = {k: data[k] for k in GROUP_WRITABLE if k in data and k != "parent_id"}
        if "parent_id" in data:
            values["parent_id"] = parse_id(data["parent_id"]) if data["parent_id"] else None
        return values

    def create_group(self, org_id, data):
        org_pk = parse_id(org_id)
        with transaction.atomic():
            group = Group.objects.create(org_id=org_pk, **self._values(data))
            _bump(org_pk)
        return group_dict(group)

    def update_group(self, org_id, group_id, data):
        org_pk, pk = parse_id(org_id), parse_id(group_id)
        if org_pk is None or pk is None:
            return None
        with transaction.atomic():
            group = Group.objects.select_for_update().filter(pk=pk, org_id=org_pk).first()
            if group is None:
                return None
            for field, value in self._values(data).items():
                setattr(group, field, value)
            group.save()
            _bump(org_pk)
        return group_dict(group)

    def delete_group(self, org_id, group_id):
        org_pk, pk = parse_id(org_id), parse_id(group_id)
        if org_pk is None or pk is None:
            return None
        with transaction.atomic():
            # Django's collector follows the parent FK (CASCADE) down the whole subtree.
            deleted, per_model = Group.objects.filter(pk=pk, org_id=org_pk).delete()
            if not deleted:
                return None
            _bump(org_pk)
        return per_model.get(Group._meta.label, deleted)

    def on_commit(self, func):
        transaction.on_commit(func)
