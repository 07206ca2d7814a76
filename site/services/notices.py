"""Change notices of the org chart, carried by RabbitMQ.

Every change to an org or its groups publishes a notice to the durable queue
``orgchart.<store>.<org_id>`` (default exchange, persistent message, publisher
confirms) AFTER the write is durable: views register publish() with
store.on_commit(), which is transaction.on_commit for the SQL store.

Statuses: ORG_UPDATED, ORG_DELETED, GROUP_ADDED, GROUP_UPDATED, GROUP_DELETED.
Creating an org publishes nothing (nobody can be watching an org that did not
exist). The body is JSON: {"status", "store", "org_id", "group_id"?, "at"}.

A RabbitMQ outage never fails the write: publish() logs a warning to the
`services` logger and returns False. next_notice() raises ServiceUnavailable
(the API answers 503) and ServiceNotConfigured when AMQP_URL is unset.
"""

import datetime
import json
import logging

from services import backends

logger = logging.getLogger("services")

STATUSES = ("ORG_UPDATED", "ORG_DELETED", "GROUP_ADDED", "GROUP_UPDATED", "GROUP_DELETED")
NO_CHANGES = "NO_CHANGES"
# A queue nobody has read or written for a week disappears (e.g. a deleted org's).
QUEUE_ARGUMENTS = {"x-expires": 7 * 24 * 3600 * 1000}


def queue_name(store_key, org_id):
    return f"orgchart.{store_key}.{org_id}"


def build_notice(store_key, org_id, status, group_id=None):
    if status not in STATUSES:
        raise ValueError(f"unknown notice status {status!r}")
    notice = {
        "status": status,
        "store": store_key,
        "org_id": str(org_id),
        "at": datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z"),
    }
    if group_id is not None:
        notice["group_id"] = str(group_id)
    return notice


def _close(connection):
    try:
        if connection.is_open:
            connection.close()
    except Exception:  # closing a broken connection may raise; nothing to do
        pass


def publish(store_key, org_id, status, group_id=None):
    """Publish one notice; True when the broker confirmed it. Never raises."""
    notice = build_notice(store_key, org_id, status, group_id)
    if not backends.amqp_configured():
        logger.debug("notices not configured; not publishing %s", notice)
        return False
    import pika

    connection = None
    try:
        connection = backends.amqp_connection()
        channel = connection.channel()
        channel.confirm_delivery()
        queue = queue_name(store_key, org_id)
        channel.queue_declare(queue=queue, durable=True, arguments=QUEUE_ARGUMENTS)
        channel.basic_publish(
            exchange="",
            routing_key=queue,
            body=json.dumps(notice).encode("utf-8"),
            properties=pika.BasicProperties(
                content_type="application/json",
                delivery_mode=pika.DeliveryMode.Persistent,
            ),
            mandatory=True,
        )
        return True
    except Exception as exc:  # the write already happened; a lost notice is only logged
        logger.warning(
            "could not publish %s for %s org %s: %s: %s",
            status,
            store_key,
            org_id,
            exc.__class__.__name__,
            exc,
        )
        return False
    finally:
        if connection is not None:
            _close(connection)


def next_notice(store_key, org_id):
    """Consume the next notice of the org (basic_get + ack), or None when there
    is none (also when the queue does not exist yet)."""
    import pika.exceptions

    connection = backends.amqp_connection()  # ServiceNotConfigured / ServiceUnavailable
    try:
        channel = connection.channel()
        queue = queue_name(store_key, org_id)
        try:
            # Passive: do not create queues for ids nobody publishes to.
            channel.queue_declare(queue=queue, passive=True)
        except pika.exceptions.ChannelClosedByBroker as exc:
            if exc.reply_code == 404:
                return None
            raise
        method, _properties, body = channel.basic_get(queue=queue, auto_ack=False)
        if method is None:
            return None
        try:
            notice = json.loads(body)
            if not isinstance(notice, dict) or "status" not in notice:
                raise ValueError("not a notice")
        except ValueError:
            logger.warning("dropping a malformed notice on %s: %r", queue, body[:200])
            notice = None
        channel.basic_ack(method.delivery_tag)
        return notice
    except backends.ServiceUnavailable:
        raise
    except Exception as exc:
        logger.warning("could not read notices of %s org %s: %s: %s", store_key, org_id, exc.__class__.__name__, exc)
        raise backends.ServiceUnavailable(f"RabbitMQ unavailable: {exc.__class__.__name__}") from exc
    finally:
        _close(connection)
