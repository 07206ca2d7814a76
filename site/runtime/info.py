"""What serves this request: mod_wsgi daemon mode, embedded mode, or no mod_wsgi.

mod_wsgi puts per-request keys into the WSGI environ ("mod_wsgi.process_group",
"mod_wsgi.application_group", "mod_wsgi.version") and, inside Apache only,
makes two modules importable (found by running the site under mod_wsgi-express
6.1.1 in both modes):

* ``mod_wsgi``: ``process_group``, ``application_group``, ``version``,
  ``maximum_processes`` and ``threads_per_process`` (of the daemon process
  group in daemon mode, of Apache's MPM in embedded mode, where
  ``maximum_processes`` is the MPM's AP_MPMQ_MAX_DAEMON_USED: the most
  process slots in use when this process started, which is ServerLimit once
  every process has started, but less in a process started while a graceful
  restart was still bringing the others up);
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


def mapped_libpythons(maps_path="/proc/self/maps"):
    """Every libpython file a process maps (its /proc/PID/maps), in order;
    empty when Python is linked into the program itself or the maps cannot
    be read. More than one means two interpreters' libraries were loaded."""
    found = []
    try:
        with open(maps_path) as maps:
            for line in maps:
                fields = line.split(None, 5)
                if len(fields) == 6 and os.path.basename(fields[5].strip()).startswith("libpython"):
                    if fields[5].strip() not in found:
                        found.append(fields[5].strip())
    except OSError:
        return []
    return found


def loaded_libpython(maps_path="/proc/self/maps"):
    """The path of the libpython this process runs, or None when Python is
    linked into the program itself (Debian's python3, so runserver and
    gunicorn) or the maps cannot be read. Under mod_wsgi it shows whether
    Debian's libpython or the optimized build (the polls_app role's
    polls_app_libpython_optimized) was loaded."""
    libraries = mapped_libpythons(maps_path)
    return libraries[0] if libraries else NOT_AVAILABLE


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
        "libpython": loaded_libpython(),
        "server_software": environ.get("SERVER_SOFTWARE"),
    }


# --- mod_wsgi's own metrics ---------------------------------------------------
# mod_wsgi (4.6+) records, per process, what each request cost and how busy
# its threads are, once ``mod_wsgi.start_recording_metrics()`` has been called
# in that process (RuntimeConfig.ready does it under mod_wsgi):
#
# * ``process_metrics()``: totals since the process started (request_count,
#   cpu_time, memory_rss, memory_max_rss, request_threads, active_requests,
#   per-thread request counts);
# * ``request_metrics()``: the sample since the previous call *in this process*
#   (whoever made it): capacity_utilization (0..1, share of thread time spent
#   on requests), request_throughput (req/s), request_count, and the mean
#   server_time (Apache accepted -> handed on), queue_time (waiting for a
#   daemon thread), daemon_time, application_time (inside Django) in seconds,
#   request_threads_active / _maximum.
#
# Both return None when recording is off, and do not exist outside mod_wsgi.


def start_recording_metrics():
    """Turn on mod_wsgi's metrics in this process; False outside mod_wsgi."""
    mod_wsgi = _module("mod_wsgi")
    start = getattr(mod_wsgi, "start_recording_metrics", None)
    if not callable(start):
        return False
    try:
        start()
    except Exception:  # noqa: BLE001 - metrics are a nicety, never a reason to fail
        return False
    return True


def _call(module, name):
    fn = getattr(module, name, None)
    if not callable(fn):
        return None
    try:
        value = fn()
    except Exception:  # noqa: BLE001
        return None
    return value if isinstance(value, dict) else None


def _number(data, key, scale=1.0, digits=3):
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return round(value * scale, digits)


def wsgi_metrics(environ):
    """mod_wsgi's metrics of the process serving this request, or None (not
    mod_wsgi, or metrics not recorded). Times are milliseconds, memory MB."""
    if detect_mode(environ) == "not mod_wsgi":
        return None
    mod_wsgi = _module("mod_wsgi")
    process = _call(mod_wsgi, "process_metrics")
    sample = _call(mod_wsgi, "request_metrics")
    if process is None and sample is None:
        return None
    process, sample = process or {}, sample or {}
    return {
        "pid": process.get("pid", sample.get("pid")),
        # The sample since the previous call in this process.
        "sample_seconds": _number(sample, "sample_period", digits=2),
        "capacity_utilization": _number(sample, "capacity_utilization", digits=4),
        "request_throughput": _number(sample, "request_throughput", digits=1),
        "sample_requests": sample.get("request_count"),
        "server_time_ms": _number(sample, "server_time", 1000),
        "queue_time_ms": _number(sample, "queue_time", 1000),
        "daemon_time_ms": _number(sample, "daemon_time", 1000),
        "application_time_ms": _number(sample, "application_time", 1000),
        "request_time_ms": _number(sample, "request_time", 1000),
        "threads_busy": sample.get("request_threads_active", process.get("active_requests")),
        "threads_maximum": sample.get("request_threads_maximum"),
        # Totals since the process started.
        "requests_total": process.get("request_count"),
        "active_requests": process.get("active_requests"),
        "cpu_seconds": _number(process, "cpu_time", digits=2),
        "memory_rss_mb": _number(process, "memory_rss", 1 / 2**20, 1),
        "memory_max_rss_mb": _number(process, "memory_max_rss", 1 / 2**20, 1),
    }
