"""The org chart's stores, the one registry of their names: "mysql" (Django
models in the main database) and "mongo" (pymongo). get_store(key) returns
the store, or None for an unknown key."""

from importlib import import_module

from services.stores.base import Store

# key -> "module:class"; the order is the order pages offer them in.
REGISTRY = {
    "mysql": "services.stores.sql:SqlStore",
    "mongo": "services.stores.mongo:MongoStore",
}
KEYS = tuple(REGISTRY)
DEFAULT = KEYS[0]


def get_store(key):
    target = REGISTRY.get(key)
    if target is None:
        return None
    module, name = target.split(":")
    return getattr(import_module(module), name)()


def choices_text():
    """The store names as an error message lists them: 'mysql' or 'mongo'."""
    return " or ".join(repr(k) for k in KEYS)


__all__ = ["DEFAULT", "KEYS", "Store", "choices_text", "get_store"]
