"""The "mongo" store: collections `orgs` and `groups` in settings.MONGO_DB.

Documents: orgs {_id: ObjectId, label, desc, url, chart_rev, created, modified};
groups {_id: ObjectId, org_id: str, parent_id: str|None, label, desc, url,
thumb_img_path, thumb_img_name, created, modified}. References are stored as
the ids' hex strings (what the API speaks; any string index works with them). Indexes on groups.org_id
and groups.parent_id are created once per process. Every pymongo error becomes
ServiceUnavailable (503), with the message saying what failed.
"""

import datetime
import functools
import logging
import threading

from services import backends
from services.stores.base import GROUP_WRITABLE, ORG_WRITABLE, Store, now
from services.tree import MAX_DEPTH

logger = logging.getLogger("services")

_indexes_lock = threading.Lock()
_indexes_for = set()  # (client id, db name) whose indexes exist


def parse_id(value):
    from bson import ObjectId
    from bson.errors import InvalidId

    if isinstance(value, ObjectId):
        return value
    if not isinstance(value, str) or len(value) != 24:
        return None
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def _when(value):
    """A stored timestamp as an aware UTC datetime (tolerates one stored as text)."""
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)
    return None


def org_dict(doc):
    return {
        "id": str(doc["_id"]),
        "label": doc.get("label", ""),
        "desc": doc.get("desc", ""),
        "url": doc.get("url", ""),
        "created": _when(doc.get("created")),
        "modified": _when(doc.get("modified")),
    }


def group_dict(doc):
    return {
        "id": str(doc["_id"]),
        "org_id": doc["org_id"],
        "parent_id": str(doc["parent_id"]) if doc.get("parent_id") else "",
        "label": doc.get("label", ""),
        "desc": doc.get("desc", ""),
        "url": doc.get("url", ""),
        "thumb_img_path": doc.get("thumb_img_path", ""),
        "thumb_img_name": doc.get("thumb_img_name", ""),
        "created": _when(doc.get("created")),
        "modified": _when(doc.get("modified")),
    }


def _mongo_errors(method):
    """Turn pymongo's errors into ServiceUnavailable with a clear message."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        from pymongo.errors import ConnectionFailure, PyMongoError

        try:
            return method(*args, **kwargs)
        except ConnectionFailure as exc:
            logger.warning("mongo store unavailable: %s", exc)
            raise backends.ServiceUnavailable("mongo store unavailable (cannot reach MongoDB)") from exc
        except PyMongoError as exc:
            logger.warning("mongo store error: %s: %s", exc.__class__.__name__, exc)
            raise backends.ServiceUnavailable(f"mongo store error: {exc.__class__.__name__}") from exc

    return wrapper


def _db():
    """The database, with the indexes our queries need (created once per process)."""
    import pymongo

    db = backends.mongo_db()  # the client is tz_aware: datetimes come back aware (UTC)
    marker = (id(db.client), db.name)
    if marker not in _indexes_for:
        with _indexes_lock:
            if marker not in _indexes_for:
                # create_index is idempotent: an existing identical index is kept.
                db.groups.create_index([("org_id", pymongo.ASCENDING)], name="org_id_1")
                db.groups.create_index([("parent_id", pymongo.ASCENDING)], name="parent_id_1")
                _indexes_for.add(marker)
    return db


def reset_indexes_marker():
    _indexes_for.clear()


class MongoStore(Store):
    key = "mongo"

    def __init__(self):
        if not backends.mongo_configured():
            raise backends.ServiceNotConfigured("mongo store not configured")

    def normalize_id(self, value):
        parsed = parse_id(value)
        return None if parsed is None else str(parsed)

    @_mongo_errors
    def list_orgs(self):
        return [org_dict(d) for d in _db().orgs.find({}).sort("_id", 1)]

    @_mongo_errors
    def get_org(self, org_id):
        oid = parse_id(org_id)
        if oid is None:
            return None
        doc = _db().orgs.find_one({"_id": oid})
        return org_dict(doc) if doc else None

    @_mongo_errors
    def create_org(self, data):
        stamp = now()
        doc = {k: data.get(k, "") for k in ORG_WRITABLE}
        doc.update(chart_rev=0, created=stamp, modified=stamp)
        doc["_id"] = _db().orgs.insert_one(doc).inserted_id
        return org_dict(doc)

    @_mongo_errors
    def update_org(self, org_id, data):
        from pymongo import ReturnDocument

        oid = parse_id(org_id)
        if oid is None:
            return None
        changes = {k: data[k] for k in ORG_WRITABLE if k in data}
        changes["modified"] = now()
        doc = _db().orgs.find_one_and_update(
            {"_id": oid}, {"$set": changes, "$inc": {"chart_rev": 1}}, return_document=ReturnDocument.AFTER
        )
        return org_dict(doc) if doc else None

    @_mongo_errors
    def delete_org(self, org_id):
        oid = parse_id(org_id)
        if oid is None:
            return False
        db = _db()
        if db.orgs.delete_one({"_id": oid}).deleted_count == 0:
            return False
        db.groups.delete_many({"org_id": str(oid)})
        return True

    @_mongo_errors
    def chart_rev(self, org_id):
        oid = parse_id(org_id)
        if oid is None:
            return None
        doc = _db().orgs.find_one({"_id": oid}, {"chart_rev": 1})
        return doc.get("chart_rev", 0) if doc else None

    @_mongo_errors
    def list_groups(self, org_id):
        oid = parse_id(org_id)
        if oid is None:
            return []
        return [group_dict(d) for d in _db().groups.find({"org_id": str(oid)}).sort("_id", 1)]

    @_mongo_errors
    def get_group(self, org_id, group_id):
        oid, gid = parse_id(org_id), parse_id(group_id)
        if oid is None or gid is None:
            return None
        doc = _db().groups.find_one({"_id": gid, "org_id": str(oid)})
        return group_dict(doc) if doc else None

    @_mongo_errors
    def find_group(self, group_id):
        gid = parse_id(group_id)
        if gid is None:
            return None
        doc = _db().groups.find_one({"_id": gid})
        return group_dict(doc) if doc else None

    def _values(self, data):
        values = {k: data[k] for k in GROUP_WRITABLE if k in data and k != "parent_id"}
        if "parent_id" in data:
            parent = parse_id(data["parent_id"]) if data["parent_id"] else None
            values["parent_id"] = str(parent) if parent else None
        return values

    def _bump(self, db, oid):
        db.orgs.update_one({"_id": oid}, {"$inc": {"chart_rev": 1}})

    @_mongo_errors
    def create_group(self, org_id, data):
        oid = parse_id(org_id)
        stamp = now()
        doc = {
            "org_id": str(oid),
            "parent_id": None,
            "label": "",
            "desc": "",
            "url": "",
            "thumb_img_path": "",
            "thumb_img_name": "",
        }
        doc.update(self._values(data))
        doc.update(created=stamp, modified=stamp)
        db = _db()
        doc["_id"] = db.groups.insert_one(doc).inserted_id
        self._bump(db, oid)
        return group_dict(doc)

    @_mongo_errors
    def update_group(self, org_id, group_id, data):
        from pymongo import ReturnDocument

        oid, gid = parse_id(org_id), parse_id(group_id)
        if oid is None or gid is None:
            return None
        changes = self._values(data)
        changes["modified"] = now()
        db = _db()
        doc = db.groups.find_one_and_update(
            {"_id": gid, "org_id": str(oid)}, {"$set": changes}, return_document=ReturnDocument.AFTER
        )
        if doc is None:
            return None
        self._bump(db, oid)
        return group_dict(doc)

    @_mongo_errors
    def delete_group(self, org_id, group_id):
        oid, gid = parse_id(org_id), parse_id(group_id)
        if oid is None or gid is None:
            return None
        db = _db()
        if db.groups.find_one({"_id": gid, "org_id": str(oid)}, {"_id": 1}) is None:
            return None
        # Collect the subtree breadth first, then delete it in one statement.
        subtree, frontier = [gid], [gid]
        seen = {gid}
        for _ in range(MAX_DEPTH):
            children = [
                d["_id"] for d in db.groups.find({"parent_id": {"$in": [str(i) for i in frontier]}}, {"_id": 1})
            ]
            children = [c for c in children if c not in seen]
            if not children:
                break
            seen.update(children)
            subtree.extend(children)
            frontier = children
        deleted = db.groups.delete_many({"_id": {"$in": subtree}}).deleted_count
        self._bump(db, oid)
        return deleted
