"""The interface both org-chart stores implement, so the views never branch per store.

Records cross this interface as plain dicts already shaped for JSON: ids are
strings, timestamps are aware datetimes (the API renders them as ISO 8601),
a top-level group's parent_id is "". Ids given to a store are strings from the
URL or the request body; a malformed id behaves exactly like an unknown one
(None / False), so the API answers 404 for both.
"""

import datetime

from services import tree

ORG_WRITABLE = ("label", "desc", "url")
GROUP_WRITABLE = ("label", "desc", "url", "parent_id", "thumb_img_path", "thumb_img_name")


def now():
    return datetime.datetime.now(datetime.UTC)


class Store:
    """One place where the org chart lives ("mysql" or "mongo")."""

    key = ""

    def normalize_id(self, value):
        """The canonical string form of an id, or None when it is malformed."""
        raise NotImplementedError

    # -- organisations --------------------------------------------------------
    def list_orgs(self) -> list:
        raise NotImplementedError

    def get_org(self, org_id: str):
        """The org dict, or None when the id is unknown or malformed."""
        raise NotImplementedError

    def create_org(self, data: dict) -> dict:
        raise NotImplementedError

    def update_org(self, org_id: str, data: dict):
        """Set the given writable fields; the updated org or None."""
        raise NotImplementedError

    def delete_org(self, org_id: str) -> bool:
        """Delete the org and all its groups; False when unknown."""
        raise NotImplementedError

    # -- groups ---------------------------------------------------------------
    def list_groups(self, org_id: str) -> list:
        raise NotImplementedError

    def get_group(self, org_id: str, group_id: str):
        """The group if it exists and belongs to org_id, else None."""
        raise NotImplementedError

    def find_group(self, group_id: str):
        """The group whatever its org (to tell "unknown" from "other org")."""
        raise NotImplementedError

    def create_group(self, org_id: str, data: dict) -> dict:
        raise NotImplementedError

    def update_group(self, org_id: str, group_id: str, data: dict):
        raise NotImplementedError

    def delete_group(self, org_id: str, group_id: str):
        """Delete the group and its descendants; the number deleted, or None when unknown."""
        raise NotImplementedError

    # -- helpers shared by both stores ---------------------------------------
    def chart_rev(self, org_id: str):
        """A number that changes with every change of the org or its groups
        (part of the chart's cache key), or None when the org is unknown."""
        raise NotImplementedError

    def ancestor_ids(self, group_id: str) -> list:
        """Ids of the group's parent, grandparent, ... (nearest first)."""
        return tree.ancestor_ids(group_id, self._parent_of)

    def can_be_parent(self, parent_id: str, group_id: str) -> bool:
        """False when parent_id is group_id or one of its descendants."""
        return tree.can_be_parent(parent_id, group_id, self._parent_of)

    def _parent_of(self, group_id):
        group = self.find_group(group_id)
        return group["parent_id"] if group else ""

    def on_commit(self, func):
        """Run func once the last write is durable (after the transaction commits)."""
        func()
