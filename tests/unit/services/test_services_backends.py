"""The mongo store's configuration and outages, change notices, health checks."""

import functools
import logging
import time

import pytest

from services import backends, health, notices
from services_testlib import closed_port_url

pytestmark = pytest.mark.django_db


# --- MongoDB -----------------------------------------------------------------


def test_mongo_not_configured_is_503(api, anon):
    for response in (
        anon.get("orgs/mongo"),
        anon.get("orgs/6b0290faf4878f641ef1fb0e/mongo"),
        anon.get("org-chart/6b0290faf4878f641ef1fb0e/mongo"),
        api.post("orgs/mongo", {"label": "x"}),
    ):
        assert response.status_code == 503
        assert response.json() == {"detail": "mongo store not configured"}
    # The other store is unaffected.
    assert api.post("orgs/mysql", {"label": "x"}).status_code == 201


def test_mongo_down_is_503_with_a_clear_message_and_quickly(api, settings):
    settings.MONGO_URI = closed_port_url("mongodb", "/")
    settings.MONGO_DB = "down"
    settings.SERVICES_TIMEOUT = 0.5
    backends.reset_mongo_client()
    started = time.monotonic()
    response = api.get("orgs/mongo")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert "mongo store unavailable" in response.json()["detail"]
    assert api.post("orgs/mongo", {"label": "x"}).status_code == 503
    assert api.get("orgs/mysql").status_code == 200


def test_one_mongo_client_per_process_and_indexes(mongo):
    from services.stores.mongo import MongoStore

    assert backends.mongo_client() is backends.mongo_client()
    MongoStore().list_orgs()
    MongoStore().list_orgs()  # the second call does not create them again
    keys = [tuple(k for k, _ in spec["key"]) for spec in mongo.groups.index_information().values()]
    assert ("org_id",) in keys and ("parent_id",) in keys


def test_mongo_references_are_stored_as_hex_ids(api, mongo):
    org_id = api.new_org("mongo")
    top = api.new_group("mongo", org_id)
    child = api.new_group("mongo", org_id, parent_id=top)
    from bson import ObjectId

    doc = mongo.groups.find_one({"_id": ObjectId(child)})
    assert doc["org_id"] == org_id and doc["parent_id"] == top
    assert mongo.groups.find_one({"_id": ObjectId(top)})["parent_id"] is None


# --- change notices ----------------------------------------------------------


def published(callbacks):
    """The notices.publish calls among the on_commit callbacks."""
    return [cb.args for cb in callbacks if isinstance(cb, functools.partial) and cb.func is notices.publish]


def test_sql_writes_publish_notices_after_commit(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        org_id = api.new_org("mysql")
    assert published(callbacks) == []  # creating an org publishes nothing

    with django_capture_on_commit_callbacks() as callbacks:
        top = api.new_group("mysql", org_id)
        child = api.new_group("mysql", org_id, parent_id=top)
        api.put(f"orgs/{org_id}/groups/{child}/mysql", {"label": "renamed"})
        api.delete(f"orgs/{org_id}/groups/{top}/mysql")
        api.put(f"orgs/{org_id}/mysql", {"label": "new name"})
        api.delete(f"orgs/{org_id}/mysql")
        # Failed writes publish nothing.
        api.put(f"orgs/{org_id}/mysql", {"label": ""})
        api.post("orgs/mysql", {})
    assert published(callbacks) == [
        ("mysql", org_id, "GROUP_ADDED", top),
        ("mysql", org_id, "GROUP_ADDED", child),
        ("mysql", org_id, "GROUP_UPDATED", child),
        ("mysql", org_id, "GROUP_DELETED", top),
        ("mysql", org_id, "ORG_UPDATED", None),
        ("mysql", org_id, "ORG_DELETED", None),
    ]


def test_rabbitmq_outage_never_fails_a_write(api, settings, caplog, django_capture_on_commit_callbacks):
    settings.AMQP_URL = closed_port_url("amqp", "/%2F")
    org_id = api.new_org("mysql")
    with caplog.at_level(logging.WARNING, logger="services"):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = api.post(f"orgs/{org_id}/groups/mysql", {"label": "kept"})
    assert response.status_code == 201
    assert len(published(callbacks)) == 1
    assert any("could not publish GROUP_ADDED" in r.getMessage() for r in caplog.records)
    assert api.get(f"orgs/{org_id}/groups/mysql").json()["groups"][0]["label"] == "kept"


def test_mongo_writes_publish_right_after_the_write(api, mongo, settings, caplog):
    settings.AMQP_URL = closed_port_url("amqp", "/%2F")
    org_id = api.new_org("mongo")
    with caplog.at_level(logging.WARNING, logger="services"):
        response = api.put(f"orgs/{org_id}/mongo", {"label": "renamed"})
    assert response.status_code == 200
    assert any("could not publish ORG_UPDATED for mongo org" in r.getMessage() for r in caplog.records)
    assert api.get(f"orgs/{org_id}/mongo").json()["org"]["label"] == "renamed"


def test_publish_without_amqp_is_a_quiet_no_op():
    assert notices.publish("mysql", "1", "ORG_UPDATED") is False


def test_notice_body_and_queue_name():
    notice = notices.build_notice("mongo", "abc", "GROUP_DELETED", "def")
    assert notice["status"] == "GROUP_DELETED" and notice["group_id"] == "def"
    assert notice["at"].endswith("Z")
    assert notices.queue_name("mongo", "abc") == "orgchart.mongo.abc"
    with pytest.raises(ValueError):
        notices.build_notice("mysql", "1", "ORG_EXPLODED")


def test_status_without_amqp_says_no_changes(api, anon, store):
    org_id = api.new_org(store)
    response = anon.get(f"org-chart/{org_id}/status/{store}")
    assert response.status_code == 200
    assert response.json() == {"status": "NO_CHANGES", "detail": "notices not configured"}
    assert response["Cache-Control"] == "no-store"


def test_status_with_rabbitmq_down_is_503(api, anon, settings):
    org_id = api.new_org("mysql")
    settings.AMQP_URL = closed_port_url("amqp", "/%2F")
    response = anon.get(f"org-chart/{org_id}/status/mysql")
    assert response.status_code == 503
    assert "RabbitMQ" in response.json()["detail"]


# --- health ------------------------------------------------------------------

SHAPE = {"name", "key", "configured", "ok", "latency_ms", "version", "detail"}


def test_check_database():
    result = health.check_database()
    assert set(result) == SHAPE
    assert result["key"] == "database" and result["configured"] and result["ok"]
    assert result["version"] and result["latency_ms"] >= 0


def test_check_database_asks_no_query():
    """The connection's own check (a ping of a kept connection, the handshake
    of a new one) is the probe, and the driver already knows the version."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = health.check_database()
    assert result["ok"], result
    assert len(queries) == 0, [q["sql"] for q in queries]


def site_checks():
    """What the dashboard and /healthz show: the database, then the shared
    results of the other checks (fresh: the cache is cleared first)."""
    health.clear_cache()
    return [health.check_database(), *health.cached_services()]


def test_checks_nothing_configured():
    results = site_checks()
    assert [r["key"] for r in results] == ["database", "redis", "mongo", "rabbitmq", "swift"]
    assert [r["name"] for r in results][1:] == ["Redis", "MongoDB", "RabbitMQ", "Swift"]
    for result in results:
        assert set(result) == SHAPE
    for result in results[1:]:
        assert result["configured"] is False and result["ok"] is False and result["detail"]


def test_checks_with_mongo_up_and_others_down(settings, mongo):
    settings.AMQP_URL = closed_port_url("amqp", "/%2F")
    settings.SWIFT_AUTH_URL = closed_port_url("http", "/auth/v1.0")
    settings.SWIFT_USER, settings.SWIFT_KEY = "test:tester", "testing"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": closed_port_url("redis", "/0"),
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    started = time.monotonic()
    results = {r["key"]: r for r in site_checks()}
    assert time.monotonic() - started < 5
    assert results["mongo"]["ok"] and results["mongo"]["version"]
    for key in ("redis", "rabbitmq", "swift"):
        assert results[key]["configured"] is True
        assert results[key]["ok"] is False, key
        assert results[key]["detail"]
