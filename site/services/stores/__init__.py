"""The org chart's stores: "mysql" (Django models in the main database) and
"mongo" (pymongo). get_store(key) returns the store, or None for an unknown key."""
from services.stores.base import Store


def get_store(key):
    if key == "mysql":
        from services.stores.sql import SqlStore

        return SqlStore()
    if key == "mongo":
        from services.stores.mongo import MongoStore

        return MongoStore()
    return None


STORE_KEYS = ("mysql", "mongo")

__all__ = ["Store", "get_store", "STORE_KEYS"]
