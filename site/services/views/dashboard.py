"""The dashboard of the backing services (/services/), the same data as JSON
(/services/status.json, which the dashboard polls) and /healthz for monitors.

The checks and their shared, background-refreshed cache are services.health;
the database is asked on every request.
"""

import logging

from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from runtime.info import runtime_info
from runtime.views import metric_rows
from services import health

logger = logging.getLogger("services")


def _status_payload(request, *, fresh):
    if fresh:
        health.clear_cache()
    database = health.check_database()
    services = [database] + health.cached_services()
    configured = [s for s in services if s.get("configured")]
    down = [s for s in configured if not s.get("ok")]
    return {
        "ok": bool(database.get("ok")),
        "status": "ok" if database.get("ok") and not down else ("degraded" if database.get("ok") else "down"),
        "checked_at": timezone.localtime().isoformat(timespec="seconds"),
        "services": services,
        "runtime": runtime_info(request.environ) if request is not None else None,
    }


def _decorate(service):
    """Adds what a template needs: a state ('up', 'down', 'off') and its label."""
    state = "off" if not service.get("configured") else ("up" if service.get("ok") else "down")
    labels = {"up": _("Up"), "down": _("Down"), "off": _("Not configured")}
    return {**service, "state": state, "state_label": labels[state]}


@never_cache
def dashboard(request):
    payload = _status_payload(request, fresh=True)
    services = [_decorate(s) for s in payload["services"]]
    counts = {
        "up": sum(1 for s in services if s["state"] == "up"),
        "down": sum(1 for s in services if s["state"] == "down"),
        "off": sum(1 for s in services if s["state"] == "off"),
    }
    return render(
        request,
        "services/dashboard.html",
        {
            "svc_tab": "status",
            "services": services,
            "counts": counts,
            "overall": payload["status"],
            "checked_at": payload["checked_at"],
            "runtime": payload["runtime"],
            "runtime_rows": _runtime_rows(payload["runtime"]),
            "metric_rows": metric_rows(request.environ),
        },
    )


def _runtime_rows(info):
    """(label, value) pairs of the runtime card, most interesting first."""
    info = info or {}
    rows = [
        ("mode", _("Mode")),
        ("process_group", _("Process group")),
        ("application_group", _("Application group")),
        ("pid", _("Process ID")),
        ("threads", _("Threads")),
        ("threads_per_process", _("Threads per process")),
        ("maximum_processes", _("Maximum processes")),
        ("user", _("User")),
        ("mpm", _("Apache MPM")),
        ("apache_version", _("Apache version")),
        ("mod_wsgi_version", _("mod_wsgi version")),
        ("python_version", _("Python version")),
    ]
    out = []
    for key, label in rows:
        if key not in info:
            continue
        value = info.get(key)
        if key == "application_group" and info.get("application_group_label"):
            value = info["application_group_label"]
        if key == "process_group" and value == "":
            value = None
        out.append({"key": key, "label": label, "value": value})
    return out


@never_cache
def status_json(request):
    payload = _status_payload(request, fresh=False)
    payload["services"] = [_decorate(s) for s in payload["services"]]
    payload["runtime_rows"] = _runtime_rows(payload["runtime"])
    return JsonResponse(payload)


@never_cache
def healthz(request):
    """200 when the main database answers, 503 otherwise; never raises."""
    try:
        payload = _status_payload(None, fresh=False)
        body = {
            "status": "ok" if payload["ok"] else "fail",
            "overall": payload["status"],
            "checked_at": payload["checked_at"],
            "services": {
                s.get("key", "?"): {
                    "name": s.get("name"),
                    "configured": bool(s.get("configured")),
                    "ok": bool(s.get("ok")),
                    "latency_ms": s.get("latency_ms"),
                    "version": s.get("version"),
                    "detail": s.get("detail", ""),
                }
                for s in payload["services"]
            },
        }
        return JsonResponse(body, status=200 if payload["ok"] else 503)
    except Exception as exc:  # noqa: BLE001 - last resort: still JSON, still no traceback
        logger.exception("healthz failed")
        return JsonResponse({"status": "fail", "detail": exc.__class__.__name__}, status=503)
