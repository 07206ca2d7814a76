"""The runtime page: daemon / embedded / no mod_wsgi detection and its JSON."""

import json
import os
import sys
import types

import pytest
from django.test import RequestFactory
from django.urls import reverse

from runtime import info as runtime_info_module
from runtime.info import detect_mode, runtime_info
from runtime.views import RuntimePage, runtime_json

DAEMON = {
    "mod_wsgi.process_group": "polls",
    "mod_wsgi.application_group": "",
    "mod_wsgi.version": (6, 1, 1),
    "SERVER_SOFTWARE": "Apache",
}
EMBEDDED = {**DAEMON, "mod_wsgi.process_group": ""}


@pytest.fixture
def fake_mod_wsgi(monkeypatch):
    """The `mod_wsgi` and `apache` modules as mod_wsgi 6 provides them inside Apache."""
    mod_wsgi = types.ModuleType("mod_wsgi")
    mod_wsgi.version = (6, 1, 1)
    mod_wsgi.process_group = "polls"
    mod_wsgi.application_group = ""
    mod_wsgi.maximum_processes = 2
    mod_wsgi.threads_per_process = 15
    apache = types.ModuleType("apache")
    apache.mpm_name = "event"
    apache.version = (2, 4, 71)
    monkeypatch.setitem(sys.modules, "mod_wsgi", mod_wsgi)
    monkeypatch.setitem(sys.modules, "apache", apache)
    return mod_wsgi


def json_for(environ):
    request = RequestFactory().get("/runtime/json", **environ)
    response = runtime_json(request)
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


@pytest.mark.parametrize(
    "environ, mode",
    [(DAEMON, "daemon"), (EMBEDDED, "embedded"), ({}, "not mod_wsgi")],
)
def test_detect_mode(environ, mode):
    assert detect_mode(environ) == mode


def test_daemon_mode_json(fake_mod_wsgi):
    data = json_for(DAEMON)
    assert data["mode"] == "daemon"
    assert data["process_group"] == "polls"
    assert data["application_group"] == ""
    assert data["application_group_label"].startswith("%{GLOBAL}")
    assert data["mod_wsgi_version"] == "6.1.1"
    assert data["mpm"] == "event"
    assert data["apache_version"] == "2.4.71"
    assert data["maximum_processes"] == 2
    assert data["threads_per_process"] == 15
    assert data["server_software"] == "Apache"


def test_embedded_mode_json(fake_mod_wsgi):
    data = json_for({**EMBEDDED, "mod_wsgi.application_group": "polls-site"})
    assert data["mode"] == "embedded"
    assert data["process_group"] == ""
    assert data["application_group"] == "polls-site"
    assert "sub-interpreter" in data["application_group_label"]


def test_version_from_module_when_environ_lacks_it(fake_mod_wsgi):
    environ = {k: v for k, v in DAEMON.items() if k != "mod_wsgi.version"}
    fake_mod_wsgi.version = (5, 0, 2)
    assert json_for(environ)["mod_wsgi_version"] == "5.0.2"


def test_not_mod_wsgi_json():
    """Under runserver or tests: the pip `mod_wsgi` package is not consulted."""
    data = json_for({})
    assert data["mode"] == "not mod_wsgi"
    for key in (
        "process_group",
        "application_group",
        "mod_wsgi_version",
        "mpm",
        "maximum_processes",
        "threads_per_process",
    ):
        assert data[key] is None, key
    assert data["pid"] == os.getpid()
    assert data["threads"] >= 1
    assert data["python_prefix"] == sys.prefix
    assert data["python_version"] == ".".join(map(str, sys.version_info[:3]))
    assert data["user"]


def test_process_facts():
    import pwd

    data = json_for({})
    assert data["user"] == pwd.getpwuid(os.geteuid()).pw_name


MAPS = """\
55d0c0000000-55d0c0001000 r--p 00000000 fe:01 123 /usr/sbin/apache2
7f2806200000-7f2806300000 r--p 00000000 fe:01 456 /srv/polls/libpython/3.11.2-6+deb12u8/libpython3.11.so.1.0
7f2806300000-7f2806400000 r-xp 00100000 fe:01 456 /srv/polls/libpython/3.11.2-6+deb12u8/libpython3.11.so.1.0
7f2806c8c000-7f2806c8d000 rw-p 00000000 00:00 0
7f2806c8d000-7f2806c8e000 r--p 00000000 fe:01 789 /lib/x86_64-linux-gnu/libc.so.6
"""


def test_loaded_libpython_is_read_from_the_maps(tmp_path):
    maps = tmp_path / "maps"
    maps.write_text(MAPS)
    assert runtime_info_module.loaded_libpython(maps) == "/srv/polls/libpython/3.11.2-6+deb12u8/libpython3.11.so.1.0"


def test_every_libpython_mapped_is_listed_once(tmp_path):
    maps = tmp_path / "maps"
    debian = "7f2806500000-7f2806600000 r--p 00000000 fe:01 111 /usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0\n"
    maps.write_text(MAPS + debian)
    assert runtime_info_module.mapped_libpythons(maps) == [
        "/srv/polls/libpython/3.11.2-6+deb12u8/libpython3.11.so.1.0",
        "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
    ]
    assert runtime_info_module.mapped_libpythons(tmp_path / "missing") == []


def test_no_libpython_when_python_is_linked_in_or_maps_are_unreadable(tmp_path):
    maps = tmp_path / "maps"
    maps.write_text("".join(line + "\n" for line in MAPS.splitlines() if "libpython" not in line))
    assert runtime_info_module.loaded_libpython(maps) is None
    assert runtime_info_module.loaded_libpython(tmp_path / "missing") is None


def test_never_raises_when_modules_are_broken(monkeypatch):
    def broken(name):
        raise RuntimeError("boom")

    monkeypatch.setattr(runtime_info_module, "_module", lambda name: None)
    data = runtime_info(dict(DAEMON))
    assert data["mode"] == "daemon" and data["mpm"] is None
    monkeypatch.setattr("pwd.getpwuid", broken)
    assert runtime_info({})["user"] == str(os.geteuid())


def test_module_import_failure_is_none(monkeypatch):
    monkeypatch.setitem(sys.modules, "apache", None)  # import raises ImportError
    assert runtime_info_module._module("apache") is None


@pytest.mark.parametrize("environ, mode", [(DAEMON, "daemon"), (EMBEDDED, "embedded"), ({}, "not mod_wsgi")])
def test_html_page(fake_mod_wsgi, environ, mode):
    request = RequestFactory().get("/runtime/", **environ)
    response = RuntimePage.as_view()(request)
    response.render()
    html = response.content.decode()
    assert f'<span class="badge" id="mode">{mode}</span>' in html
    assert "daemon mode" in html and "embedded mode" in html


def test_urls(client):
    assert reverse("runtime:page") == "/runtime/"
    assert reverse("runtime:json") == "/runtime/json"
    assert client.get("/runtime/").status_code == 200
    assert client.get("/runtime/json").json()["mode"] == "not mod_wsgi"


# --- mod_wsgi's metrics -------------------------------------------------------
PROCESS_METRICS = {
    "pid": 4242,
    "request_busy_time": 1.5,
    "request_count": 120,
    "memory_max_rss": 64 * 2**20,
    "memory_rss": 60 * 2**20,
    "cpu_user_time": 3.0,
    "cpu_system_time": 0.5,
    "cpu_time": 3.5,
    "restart_time": 1.0,
    "current_time": 2.0,
    "running_time": 1,
    "request_threads": 5,
    "active_requests": 2,
    "threads": [{"thread_id": 1, "request_count": 60}],
}
REQUEST_METRICS = {
    "pid": 4242,
    "sample_period": 2.0,
    "capacity_utilization": 0.375,
    "request_count": 40,
    "request_throughput": 20.0,
    "server_time": 0.0001,
    "queue_time": 0.0025,
    "daemon_time": 0.0002,
    "application_time": 0.0123,
    "request_time": 0.015,
    "request_threads_active": 3,
    "request_threads_maximum": 5,
    "server_time_buckets": [0] * 65,
}


@pytest.fixture
def recording_mod_wsgi(fake_mod_wsgi):
    calls = []
    fake_mod_wsgi.start_recording_metrics = lambda: calls.append("start")
    fake_mod_wsgi.process_metrics = lambda: dict(PROCESS_METRICS)
    fake_mod_wsgi.request_metrics = lambda: dict(REQUEST_METRICS)
    fake_mod_wsgi.recording_calls = calls
    return fake_mod_wsgi


@pytest.mark.parametrize("environ", [DAEMON, EMBEDDED])
def test_metrics_in_json_in_both_modes(recording_mod_wsgi, environ):
    metrics = json_for(environ)["metrics"]
    assert metrics["pid"] == 4242
    assert metrics["capacity_utilization"] == 0.375
    assert metrics["request_throughput"] == 20.0
    assert metrics["sample_requests"] == 40
    assert metrics["queue_time_ms"] == 2.5
    assert metrics["application_time_ms"] == 12.3
    assert metrics["request_time_ms"] == 15.0
    assert metrics["threads_busy"] == 3 and metrics["threads_maximum"] == 5
    assert metrics["requests_total"] == 120
    assert metrics["memory_rss_mb"] == 60.0 and metrics["memory_max_rss_mb"] == 64.0
    assert metrics["cpu_seconds"] == 3.5
    # Only JSON-friendly scalars: no histograms, no per-thread lists.
    assert all(v is None or isinstance(v, (int, float)) for v in metrics.values())


def test_no_metrics_outside_mod_wsgi(recording_mod_wsgi):
    assert json_for({})["metrics"] is None


def test_no_metrics_when_not_recording(fake_mod_wsgi):
    fake_mod_wsgi.process_metrics = lambda: None
    fake_mod_wsgi.request_metrics = lambda: None
    assert json_for(DAEMON)["metrics"] is None


def test_metrics_functions_missing_or_failing(fake_mod_wsgi):
    # mod_wsgi older than 4.6 has neither function: no metrics, no error.
    assert json_for(DAEMON)["metrics"] is None

    def boom():
        raise RuntimeError("metrics not available")

    fake_mod_wsgi.process_metrics = boom
    fake_mod_wsgi.request_metrics = lambda: {"capacity_utilization": "n/a", "request_count": 1}
    metrics = json_for(DAEMON)["metrics"]
    assert metrics["capacity_utilization"] is None
    assert metrics["sample_requests"] == 1
    assert metrics["memory_rss_mb"] is None


def test_recording_starts_only_under_mod_wsgi(recording_mod_wsgi, monkeypatch):
    assert runtime_info_module.start_recording_metrics() is True
    assert recording_mod_wsgi.recording_calls == ["start"]
    monkeypatch.delattr(recording_mod_wsgi, "start_recording_metrics")
    assert runtime_info_module.start_recording_metrics() is False


def test_page_shows_metrics_and_polls_the_json(recording_mod_wsgi):
    request = RequestFactory().get("/runtime/", **DAEMON)
    response = RuntimePage.as_view()(request)
    html = response.render().content.decode()
    assert 'data-metric="capacity_utilization">0.375<' in html
    assert 'data-metric="queue_time_ms">2.5<' in html
    assert f'data-url="{reverse("runtime:json")}"' in html
    assert "runtime/live.js" in html


def test_page_without_mod_wsgi_says_not_available(client):
    html = client.get(reverse("runtime:page")).content.decode()
    assert 'id="wsgi-metrics-none"' in html


# The services dashboard shows the same live table.
@pytest.mark.django_db
def test_dashboard_shows_the_metrics_of_the_process_that_answered(recording_mod_wsgi):
    from services.views.dashboard import dashboard

    html = dashboard(RequestFactory().get(reverse("services:dashboard"), **DAEMON)).content.decode()
    assert 'data-metric="capacity_utilization">0.375<' in html
    assert 'data-metric="memory_rss_mb">60.0<' in html
    assert f'data-url="{reverse("runtime:json")}"' in html
    assert "runtime/live.js" in html


@pytest.mark.django_db
def test_dashboard_without_mod_wsgi_says_metrics_are_not_available(client):
    html = client.get(reverse("services:dashboard")).content.decode()
    assert 'id="wsgi-metrics-none"' in html and "runtime/live.js" in html
    korean = client.get(reverse("services:dashboard"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "mod_wsgi 자체 지표" in korean and "지표를 기록하지" in korean
