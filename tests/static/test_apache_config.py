"""apache/ renders for both modes (with Ansible, as the httpd role does) and
Apache itself accepts the result: `apache2 -t` on a minimal server config that
loads the same modules, outside the deployed server's configuration.

Nothing installs apache2 before the httpd role does (the deploy tests it from
nothing), so the `apache2 -t` checks are marked needs_apache: tests/conftest.py
runs them after the deployment tests, and they are skipped where Apache is not
installed (`scripts/test tests/static` on a fresh machine). The deployment
tests run `apache2ctl -t` again on the installed configuration.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
RENDER = REPO_ROOT / "scripts" / "render-apache"
MODULES = [
    "authz_core",
    "alias",
    "headers",
    "filter",
    "deflate",
    "mime",
    "rewrite",
    "socache_shmcb",
    "ssl",
    "http2",
    "remoteip",
]


def throwaway_certificate(dest):
    """A self-signed certificate and key: `apache2 -t` checks that they exist and match."""
    dest.mkdir(parents=True, exist_ok=True)
    cert, key = dest / "site.crt", dest / "site.key"
    if not cert.exists():
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-days",
                "1",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
        )
    return cert, key


def render(mode, dest, *extra):
    # The daemon's user must exist for `apache2 -t`; before a deploy only
    # www-data surely does.
    cert, key = throwaway_certificate(dest.parent / "tls")
    args = [
        str(RENDER),
        mode,
        str(dest),
        "-e",
        "polls_app_user=www-data",
        "-e",
        "polls_app_group=www-data",
        "-e",
        f"httpd_tls_cert_file={cert}",
        "-e",
        f"httpd_tls_key_file={key}",
        *extra,
    ]
    subprocess.run(args, check=True, capture_output=True, text=True)
    return {name: (dest / f"{name}.conf").read_text() for name in ("polls-wsgi", "polls-site")}


def apache_accepts(apache2, tmp_path, rendered_dir):
    mod_wsgi_express = Path(sys.executable).parent / "mod_wsgi-express"
    load = subprocess.run([str(mod_wsgi_express), "module-config"], capture_output=True, text=True, check=True)
    load_line = next(line for line in load.stdout.splitlines() if line.startswith("LoadModule"))
    lines = [
        "ServerRoot /etc/apache2",
        "ServerName localhost",
        f"DefaultRuntimeDir {tmp_path}",
        f"PidFile {tmp_path}/httpd.pid",
        f"ErrorLog {tmp_path}/error.log",
        f"Define APACHE_LOG_DIR {tmp_path}",
        # The MPM the mode runs under, as the playbook enables it.
        f"Include /etc/apache2/mods-available/mpm_{(rendered_dir / 'mpm').read_text().strip()}.load",
        *[f"Include /etc/apache2/mods-available/{name}.load" for name in MODULES],
        load_line,
        "Listen 127.0.0.1:18080",
        "Listen 127.0.0.1:18443",
        f"Include {rendered_dir}/polls-wsgi.conf",
        f"Include {rendered_dir}/polls-site.conf",
    ]
    conf = tmp_path / "httpd.conf"
    conf.write_text("\n".join(lines) + "\n")
    return subprocess.run([apache2, "-t", "-f", str(conf)], capture_output=True, text=True)


@pytest.fixture
def apache2():
    """Debian's apache2, asked for when the test runs (after the deploy in a
    full run), not when tests are collected (before it)."""
    binary = shutil.which("apache2")
    if binary is None or not Path("/etc/apache2/mods-available").is_dir():
        pytest.skip("apache2 is not installed: the deploy installs it, and these checks run after it (scripts/test)")
    return binary


@pytest.mark.needs_apache
@pytest.mark.parametrize("mode", ["daemon", "embedded"])
def test_rendered_configuration_passes_apache2_t(tmp_path, mode, apache2):
    render(mode, tmp_path / "rendered")
    result = apache_accepts(apache2, tmp_path, tmp_path / "rendered")
    assert result.returncode == 0 and "Syntax OK" in result.stderr, result.stderr


@pytest.mark.needs_apache
def test_a_broken_template_value_is_caught(tmp_path, apache2):
    render("daemon", tmp_path / "rendered", "-e", "polls_app_daemon_processes=many")
    result = apache_accepts(apache2, tmp_path, tmp_path / "rendered")
    assert result.returncode != 0


def test_daemon_mode_directives(tmp_path):
    conf = render("daemon", tmp_path / "rendered")
    assert "WSGIRestrictEmbedded On" in conf["polls-wsgi"]
    assert "WSGIPythonHome" not in conf["polls-wsgi"]
    site = conf["polls-site"]
    assert "WSGIDaemonProcess polls" in site
    # One line names where the site runs, in which interpreter, and preloads it.
    alias = "WSGIScriptAlias / /srv/polls/polls.wsgi process-group=polls application-group=%{GLOBAL}"
    https, http = site.split("<VirtualHost *:80>", 1)
    assert alias in https and alias in http
    assert "WSGIProcessGroup" not in site and "WSGIApplicationGroup" not in site and "WSGIImportScript" not in site
    for option in (
        "python-home=/srv/polls/venv",
        "display-name=%{GROUP}",
        "processes=2",
        "threads=5",
        "request-timeout=60",
        "socket-timeout=60",
        "connect-timeout=15",
    ):
        assert option in site, option
    # New code comes by a signal, so Apache sends each request straight on:
    # no script reloading and no queue-timeout, either of which adds a
    # "go ahead" round trip with the daemon to every request.
    assert re.search(r"^WSGIScriptReloading Off$", conf["polls-wsgi"], re.M)
    assert "queue-timeout" not in site


def test_reloading_by_touch_turns_script_reloading_on(tmp_path):
    conf = render("daemon", tmp_path / "rendered", "-e", "polls_app_daemon_reload=touch")
    assert re.search(r"^WSGIScriptReloading On$", conf["polls-wsgi"], re.M)
    assert "WSGIScriptReloading Off" not in conf["polls-wsgi"]


# polls_app_daemon_timeouts with a queue-timeout (the whole dict: -e replaces it).
TIMEOUTS_WITH_QUEUE = {
    "request": 60,
    "queue": 45,
    "socket": 60,
    "connect": 15,
    "startup": 15,
    "deadlock": 60,
    "graceful": 15,
    "shutdown": 5,
}


def test_a_queue_timeout_is_rendered_only_when_set(tmp_path):
    site = render("daemon", tmp_path / "rendered", "-e", json.dumps({"polls_app_daemon_timeouts": TIMEOUTS_WITH_QUEUE}))
    assert re.search(r"^\s+queue-timeout=45 \\$", site["polls-site"], re.M), site["polls-site"]


@pytest.mark.needs_apache
def test_touch_reload_with_a_queue_timeout_passes_apache2_t(tmp_path, apache2):
    extra = {"polls_app_daemon_reload": "touch", "polls_app_daemon_timeouts": TIMEOUTS_WITH_QUEUE}
    render("daemon", tmp_path / "rendered", "-e", json.dumps(extra))
    result = apache_accepts(apache2, tmp_path, tmp_path / "rendered")
    assert result.returncode == 0 and "Syntax OK" in result.stderr, result.stderr


def test_embedded_mode_directives(tmp_path):
    conf = render("embedded", tmp_path / "rendered")
    server = conf["polls-wsgi"]
    assert "WSGIPythonHome /srv/polls/venv" in server and "WSGIPythonPath /srv/polls/current" in server
    assert "WSGIRestrictEmbedded" not in server
    assert re.search(r"^WSGIScriptReloading Off$", server, re.M)
    assert "MaxRequestWorkers       512" in server and "MaxConnectionsPerChild  0" in server
    site = conf["polls-site"]
    assert "WSGIDaemonProcess" not in site and "WSGIProcessGroup" not in site
    # Apache's own processes, the main interpreter, Django preloaded in each.
    alias = "WSGIScriptAlias / /srv/polls/polls.wsgi process-group=%{GLOBAL} application-group=%{GLOBAL}"
    https, http = site.split("<VirtualHost *:80>", 1)
    assert alias in https and alias in http
    assert "WSGIImportScript" not in server


def test_each_mode_names_its_mpm(tmp_path):
    """Both modes run under the worker MPM (polls_app_httpd_mpm, read by the
    playbook and by scripts/bench); in embedded mode polls-wsgi.conf sizes
    whichever threaded MPM is loaded, and another MPM can still be chosen."""
    for mode in ("daemon", "embedded"):
        conf = render(mode, tmp_path / mode)
        assert (tmp_path / mode / "mpm").read_text() == "worker\n"
        sizing = "<IfModule !mpm_prefork_module>" in conf["polls-wsgi"]
        assert sizing == (mode == "embedded")
    render("embedded", tmp_path / "event", "-e", "polls_app_httpd_mpm=event")
    assert (tmp_path / "event" / "mpm").read_text() == "event\n"


def test_static_files_are_served_by_apache_with_far_future_caching(tmp_path):
    site = render("daemon", tmp_path / "rendered")["polls-site"]
    assert "Alias /static/ /srv/polls/current/staticfiles/" in site
    assert 'Header set Cache-Control "public, max-age=31536000, immutable"' in site
    # Uploads are served by Django (services:image), never from a folder.
    assert "Alias /media/" not in site
    # The API logs in with Django's session, not HTTP Basic: Apache keeps the
    # Authorization header to itself.
    assert "WSGIPassAuthorization" not in site


def test_https_virtual_host_and_redirect(tmp_path):
    site = render("daemon", tmp_path / "rendered")["polls-site"]
    assert "<VirtualHost *:443>" in site and "SSLEngine on" in site
    assert "Strict-Transport-Security" in site
    http = site.split("<VirtualHost *:80>", 1)[1]
    assert "RewriteRule ^ https://" in http and "!=/healthz" in http
    assert "WSGIDaemonProcess" not in http


def test_acme_leaves_the_certificate_to_mod_md(tmp_path):
    site = render("daemon", tmp_path / "rendered", "-e", "httpd_tls_source=acme")["polls-site"]
    assert "SSLEngine on" in site and "SSLCertificateFile" not in site


@pytest.mark.needs_apache
def test_behind_a_load_balancer_forwarded_headers_are_believed_from_it_only(tmp_path, apache2):
    conf = render("daemon", tmp_path / "rendered", "-e", '{"polls_app_trusted_proxies": ["10.0.0.10", "10.0.0.11"]}')
    result = apache_accepts(apache2, tmp_path, tmp_path / "rendered")
    assert result.returncode == 0 and "Syntax OK" in result.stderr, result.stderr
    site = conf["polls-site"]
    assert "RemoteIPHeader X-Forwarded-For" in site
    assert "RemoteIPInternalProxy 10.0.0.10 10.0.0.11" in site
    assert "%{CONN_REMOTE_ADDR} -ipmatch '10.0.0.10' || %{CONN_REMOTE_ADDR} -ipmatch '10.0.0.11'" in site
    https, http = site.split("<VirtualHost *:80>", 1)
    assert "RequestHeader unset X-Forwarded-Proto" in https
    # The load balancer re-encrypts to 443: on plain HTTP nobody is believed.
    assert "\n    RequestHeader unset X-Forwarded-Proto\n" in http and "<If" not in http


def test_without_a_load_balancer_no_forwarded_header_is_believed(tmp_path):
    site = render("daemon", tmp_path / "rendered")["polls-site"]
    assert "RemoteIP" not in site


def test_sizing_given_on_the_command_line_is_multiplied_as_numbers(tmp_path):
    """`-e name=value` hands Ansible strings: "4" * "8" must still mean 32
    request workers, not an error (or "4444…" from "4" * 8)."""
    conf = render(
        "embedded",
        tmp_path / "rendered",
        "-e",
        "polls_app_embedded_processes=4",
        "-e",
        "polls_app_embedded_threads=8",
    )["polls-wsgi"]
    assert re.search(r"^\s*MaxRequestWorkers\s+32$", conf, re.M), conf
    assert re.search(r"^\s*MaxSpareThreads\s+32$", conf, re.M), conf


def test_every_apache_worker_can_queue_for_a_daemon_thread(tmp_path):
    """A listen-backlog smaller than Apache's MaxRequestWorkers makes the
    workers beyond it sleep and reconnect under load instead of queueing."""
    defaults = (REPO_ROOT / "ansible/roles/httpd/defaults/main.yml").read_text()
    processes, threads = (
        int(re.search(rf"^httpd_mpm_{name}: (\d+)$", defaults, re.M).group(1)) for name in ("processes", "threads")
    )
    workers = processes * threads
    site = render("daemon", tmp_path / "rendered")["polls-site"]
    backlog = re.search(r"listen-backlog=(\d+)", site)
    assert backlog, "WSGIDaemonProcess has no listen-backlog="
    assert int(backlog.group(1)) >= workers, (backlog.group(1), workers)
