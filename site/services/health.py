"""Health checks of the site's backing services.

Interface (used by the dashboard, status.json and /healthz):

    check_database() -> dict         # asked on every request
    check_services() -> list[dict]   # redis, mongo, rabbitmq, swift, in parallel
    cached_services() -> list[dict]  # check_services(), shared for a few seconds
    clear_cache()                    # the next cached_services() waits for fresh results

Each dict is {"name", "key", "configured", "ok", "latency_ms", "version",
"detail"}. A service that is not configured has configured=False, ok=False
and a detail saying what the site does instead. Each check is bounded by
about settings.SERVICES_TIMEOUT (2 s) and never raises; check_services runs
the network checks in parallel so it takes about as long as the slowest one.
"""

import concurrent.futures
import json
import logging
import threading
import time
import urllib.request

from django.conf import settings
from django.db import connection

from services import backends

logger = logging.getLogger("services")

KEYS = ("database", "redis", "mongo", "rabbitmq", "swift")
NAMES = {"database": "Database", "redis": "Redis", "mongo": "MongoDB", "rabbitmq": "RabbitMQ", "swift": "Swift"}


def _result(key, *, name=None, configured=True, ok=False, latency_ms=None, version=None, detail=""):
    return {
        "name": name or NAMES[key],
        "key": key,
        "configured": configured,
        "ok": ok,
        "latency_ms": latency_ms,
        "version": version,
        "detail": detail,
    }


def _run(key, probe, name=None):
    """Time probe() -> (version, detail[, name]); turn any exception into ok=False."""
    started = time.monotonic()
    try:
        out = probe()
    except backends.ServiceNotConfigured as exc:
        return _result(key, name=name, configured=False, detail=str(exc))
    except Exception as exc:  # a health check never raises
        logger.warning("health check %s failed: %s: %s", key, exc.__class__.__name__, exc)
        return _result(
            key,
            name=name,
            ok=False,
            latency_ms=round((time.monotonic() - started) * 1000, 1),
            detail=f"{exc.__class__.__name__}: {exc}"[:300],
        )
    version, detail = out[0], out[1]
    if len(out) > 2:
        name = out[2]
    return _result(
        key,
        name=name,
        ok=True,
        latency_ms=round((time.monotonic() - started) * 1000, 1),
        version=version,
        detail=detail,
    )


def _db_name():
    vendor = connection.vendor
    return {"mysql": "MariaDB", "sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(vendor, vendor)


def _server_version():
    """The database server's version, without a query where the driver
    already knows it (MySQLdb from the connection's handshake, SQLite
    from the library)."""
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version
    if connection.vendor == "mysql":
        return connection.connection.get_server_info()
    with connection.cursor() as cursor:
        cursor.execute("SELECT VERSION()")
        return str(cursor.fetchone()[0])


def check_database():
    def probe():
        # The database must answer in this request. The connection this thread
        # keeps (CONN_MAX_AGE) is pinged, as the first query of any request
        # pings it (CONN_HEALTH_CHECKS), and replaced when it is dead; a new
        # one answered its own handshake. One round trip, where a ping and
        # then a query were two.
        if connection.connection is not None and not connection.health_check_enabled:
            if not connection.is_usable():
                connection.close()
        else:
            connection.close_if_health_check_failed()
        connection.ensure_connection()
        version = str(_server_version())
        name = _db_name()
        if connection.vendor == "mysql" and "mariadb" not in version.lower():
            name = "MySQL"
        if connection.vendor == "mysql":
            version = version.split("-")[0]
        return version, f"{connection.vendor} database {connection.settings_dict.get('NAME')!s}", name

    return _run("database", probe, name=_db_name())


def check_redis():
    def probe():
        backend = settings.CACHES.get("default", {}).get("BACKEND", "")
        if "django_redis" not in backend:
            raise backends.ServiceNotConfigured("not configured: cache is local memory (REDIS_URL unset)")
        from django_redis import get_redis_connection

        info = get_redis_connection("default").info("server")
        return info.get("redis_version"), "cache and session cache"

    return _run("redis", probe)


def check_mongo():
    def probe():
        if not backends.mongo_configured():
            raise backends.ServiceNotConfigured("not configured: the mongo store answers 503 (MONGO_URI unset)")
        info = backends.mongo_client().admin.command("buildInfo")
        return str(info.get("version")), f"database {settings.MONGO_DB}"

    return _run("mongo", probe)


def check_rabbitmq():
    def probe():
        if not backends.amqp_configured():
            raise backends.ServiceNotConfigured("not configured: no change notices (AMQP_URL unset)")
        conn = backends.amqp_connection()
        try:
            version = conn._impl.server_properties.get("version")
        finally:
            try:
                conn.close()
            except Exception:
                pass
        if isinstance(version, bytes):
            version = version.decode("utf-8", "replace")
        return (str(version) if version else None), "change notices"

    return _run("rabbitmq", probe)


def check_swift():
    def probe():
        if not backends.swift_configured():
            raise backends.ServiceNotConfigured("not configured: uploads are stored on disk (SWIFT_AUTH_URL unset)")
        version = None
        try:
            with urllib.request.urlopen(backends.swift_info_url(), timeout=backends.timeout()) as resp:
                version = json.loads(resp.read(65536)).get("swift", {}).get("version")
        except Exception as exc:
            logger.info("swift /info unavailable: %s", exc)
        from swiftclient.client import Connection

        conn = Connection(
            authurl=settings.SWIFT_AUTH_URL,
            user=settings.SWIFT_USER,
            key=settings.SWIFT_KEY,
            auth_version="1",
            retries=0,
            timeout=backends.timeout(),
        )
        try:
            conn.head_account()
        finally:
            conn.close()
        return version, f"container {settings.SWIFT_CONTAINER}"

    return _run("swift", probe)


CHECKS = {
    "redis": check_redis,
    "mongo": check_mongo,
    "rabbitmq": check_rabbitmq,
    "swift": check_swift,
}


def check_services():
    """The backing services other than the database, checked in parallel, in
    KEYS order; takes about as long as the slowest check."""
    results = {}
    limit = backends.timeout() * 2 + 1
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="health")
    try:
        futures = {key: pool.submit(fn) for key, fn in CHECKS.items()}
        concurrent.futures.wait(futures.values(), timeout=limit)
        for key, future in futures.items():
            if future.done():
                try:
                    results[key] = future.result()
                except Exception as exc:  # _run catches everything; belt and braces
                    results[key] = _result(key, detail=f"{exc.__class__.__name__}: {exc}")
            else:
                results[key] = _result(key, detail=f"timed out after {limit:.0f} s")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return [results[key] for key in KEYS if key in CHECKS]


# --- Shared results for /healthz, the dashboard and status.json -----------------
# Monitors may ask every second, from many threads at once. The slow checks
# (connecting to Redis, MongoDB, RabbitMQ, Swift: up to ~2 x SERVICES_TIMEOUT)
# are therefore shared by the threads of a process and refreshed in the
# background ("stale-while-revalidate"): once a result exists, a request never
# waits for a check and never queues behind a lock. The lock below only guards
# a few assignments. Only the very first request of a process (or the first
# after clear_cache()) waits, for the one refresh that is under way.
CACHE_SECONDS = 5.0
_lock = threading.Lock()
_cache = {"at": 0.0, "results": None, "refreshing": None}  # refreshing: an Event while a refresh runs


def _refresh(done):
    try:
        results = check_services()
    except Exception as exc:  # check_services never raises; a refresh must not die silently either
        logger.warning("health refresh failed: %s: %s", exc.__class__.__name__, exc)
        results = None
    with _lock:
        if results is not None:
            _cache.update(at=time.monotonic(), results=results)
        _cache["refreshing"] = None
    done.set()


def _start_refresh():
    """Start a background refresh unless one runs; the Event set when it ends.
    Call with _lock held."""
    done = _cache["refreshing"]
    if done is None:
        done = _cache["refreshing"] = threading.Event()
        threading.Thread(target=_refresh, args=(done,), name="health-refresh", daemon=True).start()
    return done


def cached_services(max_age=None):
    """check_services(), at most about `max_age` (CACHE_SECONDS) old plus one
    refresh: a stale result is returned at once while one background refresh
    replaces it."""
    max_age = CACHE_SECONDS if max_age is None else max_age
    with _lock:
        results, age = _cache["results"], time.monotonic() - _cache["at"]
        if results is not None and age < max_age:
            return results
        done = _start_refresh()
    if results is not None:
        return results  # stale but immediate; the refresh is under way
    done.wait(backends.timeout() * 2 + 2)
    with _lock:
        results = _cache["results"]
    if results is None:
        return [_result(key, detail="health check still running") for key in KEYS if key in CHECKS]
    return results


def clear_cache():
    """Forget the shared results: the next caller waits for fresh ones."""
    with _lock:
        _cache.update(at=0.0, results=None)
