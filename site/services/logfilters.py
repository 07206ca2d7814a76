"""Logging filters of the services app (imported by settings.LOGGING; no Django imports)."""

import logging


class ShortExceptionFilter(logging.Filter):
    """Put the exception's class and message on the log line instead of a full
    traceback: during a Redis outage every cache call logs one ignored error."""

    def filter(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()}: {exc.__class__.__name__}: {exc}"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True
