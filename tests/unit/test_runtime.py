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
    for key in ("process_group", "application_group", "mod_wsgi_version", "mpm",
                "maximum_processes", "threads_per_process"):
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


@pytest.mark.parametrize(
    "environ, mode", [(DAEMON, "daemon"), (EMBEDDED, "embedded"), ({}, "not mod_wsgi")]
)
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
