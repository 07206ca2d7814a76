"""What serves this request: mod_wsgi daemon mode, embedded mode, or no mod_wsgi.

mod_wsgi puts per-request keys into the WSGI environ ("mod_wsgi.process_group",
"mod_wsgi.application_group", "mod_wsgi.version") and, inside Apache only,
makes two modules importable (found by running the site under mod_wsgi-express
6.1.1 in both modes):

* ``mod_wsgi``: ``process_group``, ``application_group``, ``version``,
  ``maximum_processes`` and ``threads_per_process`` (of the daemon process
  group in daemon mode, of Apache's MPM in embedded mode);
* ``apache`` (a top-level module): ``mpm_name`` ("event", "worker",
  "prefork"), ``version`` (Apache's, a tuple), ``description``,
  ``build_date``, ``maximum_processes`` and ``threads_per_process`` of the MPM.

Outside Apache the ``mod_wsgi`` name is the pip package (mod_wsgi-express),
which has none of these attributes; every lookup here is therefore defensive,
and ``runtime_info`` never raises.
"""
import os
import platform
import sys
import threading

NOT_AVAILABLE = None


def _module(name):
    """The module `name` if importable, else None (never raises)."""
    try:
        return __import__(name)
    except Exception:  # noqa: BLE001 - any failure means "not under mod_wsgi"
        return None


def _version_text(value):
    if isinstance(value, (tuple, list)):
        return ".".join(str(part) for part in value)
    return None if value is None else str(value)


def _user_name():
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except Exception:  # noqa: BLE001 - e.g. a uid without a passwd entry
        try:
            return str(os.geteuid())
        except Exception:  # noqa: BLE001 - platforms without geteuid
            return NOT_AVAILABLE


def detect_mode(environ):
    """'daemon', 'embedded' or 'not mod_wsgi', from the WSGI environ."""
    if "mod_wsgi.process_group" not in environ:
        return "not mod_wsgi"
    return "daemon" if environ["mod_wsgi.process_group"] else "embedded"


def runtime_info(environ):
    """A JSON-ready dict describing how the request with `environ` is served."""
    mode = detect_mode(environ)
    under_mod_wsgi = mode != "not mod_wsgi"
    mod_wsgi = _module("mod_wsgi") if under_mod_wsgi else None
    apache = _module("apache") if under_mod_wsgi else None

    application_group = environ.get("mod_wsgi.application_group")
    if application_group is None and mod_wsgi is not None:
        application_group = getattr(mod_wsgi, "application_group", None)

    version = environ.get("mod_wsgi.version")
    if version is None and mod_wsgi is not None:
        version = getattr(mod_wsgi, "version", None)

    if application_group == "":
        application_group_label = "%{GLOBAL} (the main Python interpreter)"
    elif application_group is None:
        application_group_label = None
    else:
        application_group_label = f"{application_group} (a sub-interpreter)"

    return {
        "mode": mode,
        "process_group": environ.get("mod_wsgi.process_group") if under_mod_wsgi else None,
        "application_group": application_group,
        "application_group_label": application_group_label,
        "mod_wsgi_version": _version_text(version),
        "mpm": getattr(apache, "mpm_name", None),
        "apache_version": _version_text(getattr(apache, "version", None)),
        "maximum_processes": getattr(mod_wsgi, "maximum_processes", None),
        "threads_per_process": getattr(mod_wsgi, "threads_per_process", None),
        "pid": os.getpid(),
        "threads": threading.active_count(),
        "user": _user_name(),
        "python_version": platform.python_version(),
        "python_prefix": sys.prefix,
        "server_software": environ.get("SERVER_SOFTWARE"),
    }
