"""The shape of an org chart: groups nested by parent_id, and which groups may
become a group's parent (never the group itself nor one of its descendants).

Both work on plain group dicts (as the stores return them); the stores use
ancestor_ids with their own lookup, the pages with the groups they listed.
"""

# Guard against a parent cycle that a concurrent update might have created.
MAX_DEPTH = 1000


def ancestor_ids(group_id, parent_of):
    """Ids of the group's parent, grandparent, ... (nearest first).
    parent_of(id) -> the parent's id, or "" / None at the top."""
    ids = []
    seen = set()
    parent_id = parent_of(group_id)
    while parent_id and parent_id not in seen and len(ids) < MAX_DEPTH:
        seen.add(parent_id)
        ids.append(parent_id)
        parent_id = parent_of(parent_id)
    return ids


def can_be_parent(parent_id, group_id, parent_of):
    """False when parent_id is group_id itself or one of its descendants
    (the group would become its own ancestor)."""
    parent_id, group_id = str(parent_id), str(group_id)
    return parent_id != group_id and group_id not in ancestor_ids(parent_id, parent_of)


def parent_lookup(groups):
    """parent_of for a list of groups (ids as strings)."""
    parents = {str(g.get("id")): str(g.get("parent_id") or "") for g in groups}
    return lambda group_id: parents.get(str(group_id), "")


def parent_choices(groups, group=None):
    """The groups that may be `group`'s parent (all of them for a new group)."""
    if group is None:
        return list(groups)
    parent_of = parent_lookup(groups)
    return [g for g in groups if can_be_parent(g.get("id"), group["id"], parent_of)]


def build_tree(groups):
    """Groups nested by parent_id: a list of {"group", "depth", "children"} (top level first).

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
