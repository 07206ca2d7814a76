"""Connections to the backing services, created lazily, one per process.

Every client here uses short timeouts (settings.SERVICES_TIMEOUT, ~2 s) and at
most one retry, so a service that is down costs a request about two seconds
and an error the views turn into a 503 -- never a hung worker or a traceback.
"""

import logging
import threading

from django.conf import settings

logger = logging.getLogger("services")

_lock = threading.Lock()
_mongo_client = None
_mongo_client_uri = None


class ServiceNotConfigured(Exception):
    """The backing service has no settings (answered as 503 by the API)."""


class ServiceUnavailable(Exception):
    """The backing service is configured but cannot be reached (503)."""


def timeout():
    return settings.SERVICES_TIMEOUT


# --- MongoDB -----------------------------------------------------------------


def mongo_configured():
    return bool(settings.MONGO_URI)


def mongo_client():
    """The process's MongoClient (pymongo pools connections and is thread-safe)."""
    global _mongo_client, _mongo_client_uri
    uri = settings.MONGO_URI
    if not uri:
        raise ServiceNotConfigured("mongo store not configured")
    with _lock:
        if _mongo_client is None or _mongo_client_uri != uri:
            import pymongo

            if _mongo_client is not None:
                _mongo_client.close()
            ms = int(timeout() * 1000)
            _mongo_client = pymongo.MongoClient(
                uri,
                serverSelectionTimeoutMS=ms,
                connectTimeoutMS=ms,
                socketTimeoutMS=ms * 5,
                connect=False,
                tz_aware=True,
                appname="polls-site",
            )
            _mongo_client_uri = uri
        return _mongo_client


def mongo_db():
    return mongo_client()[settings.MONGO_DB]


def reset_mongo_client():
    """Forget the client (tests that change MONGO_URI use this)."""
    global _mongo_client, _mongo_client_uri
    with _lock:
        if _mongo_client is not None:
            _mongo_client.close()
        _mongo_client = None
        _mongo_client_uri = None


# --- RabbitMQ ----------------------------------------------------------------


def amqp_configured():
    return bool(settings.AMQP_URL)


def amqp_connection():
    """A new BlockingConnection with short timeouts (caller closes it).

    A connection per operation: a BlockingConnection kept between requests
    would miss its heartbeats and die silently; connecting costs a few ms.
    """
    url = settings.AMQP_URL
    if not url:
        raise ServiceNotConfigured("notices not configured")
    import pika

    params = pika.URLParameters(url)
    params.socket_timeout = timeout()
    params.stack_timeout = timeout() * 2
    params.blocked_connection_timeout = timeout()
    params.connection_attempts = 1
    params.retry_delay = 0
    try:
        return pika.BlockingConnection(params)
    except Exception as exc:  # pika raises many types (AMQPConnectionError, socket errors)
        raise ServiceUnavailable(f"RabbitMQ unavailable: {exc.__class__.__name__} {exc}".strip()) from exc


# --- Swift -------------------------------------------------------------------

_swift_local = threading.local()


def swift_configured():
    return bool(settings.SWIFT_AUTH_URL and settings.SWIFT_USER)


def swift_connection():
    """A swiftclient Connection per thread (it caches the auth token; not thread-safe)."""
    if not swift_configured():
        raise ServiceNotConfigured("swift not configured")
    from swiftclient.client import Connection

    key = (settings.SWIFT_AUTH_URL, settings.SWIFT_USER, settings.SWIFT_KEY)
    conn = getattr(_swift_local, "conn", None)
    if conn is None or getattr(_swift_local, "key", None) != key:
        conn = Connection(
            authurl=settings.SWIFT_AUTH_URL,
            user=settings.SWIFT_USER,
            key=settings.SWIFT_KEY,
            auth_version="1",
            retries=1,
            starting_backoff=0.1,
            max_backoff=0.2,
            timeout=timeout(),
        )
        _swift_local.conn = conn
        _swift_local.key = key
    return conn


def swift_info_url():
    """<proxy>/info, from the tempauth URL http://host:port/auth/v1.0."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(settings.SWIFT_AUTH_URL)
    return urlunsplit((parts.scheme, parts.netloc, "/info", "", ""))
