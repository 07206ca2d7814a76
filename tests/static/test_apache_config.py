"""apache/ renders for both modes (with Ansible, as the httpd role does) and
Apache itself accepts the result: `apache2 -t` on a minimal server config that
loads the same modules, before anything is deployed.

The deployment tests run `apache2ctl -t` again on the installed configuration.
"""
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
RENDER = REPO_ROOT / "scripts" / "render-apache"
MODULES = ["mpm_event", "authz_core", "alias", "headers", "filter", "deflate", "mime"]


def render(mode, dest, *extra):
    # The daemon's user must exist for `apache2 -t`; before a deploy only
    # www-data surely does.
    args = [str(RENDER), mode, str(dest), "-e", "polls_app_user=www-data", "-e", "polls_app_group=www-data", *extra]
    subprocess.run(args, check=True, capture_output=True, text=True)
    return {name: (dest / f"{name}.conf").read_text() for name in ("polls-wsgi", "polls-site")}


def apache_accepts(tmp_path, rendered_dir):
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
        *[f"Include /etc/apache2/mods-available/{name}.load" for name in MODULES],
        load_line,
        "Listen 127.0.0.1:18080",
        f"Include {rendered_dir}/polls-wsgi.conf",
        f"Include {rendered_dir}/polls-site.conf",
    ]
    conf = tmp_path / "httpd.conf"
    conf.write_text("\n".join(lines) + "\n")
    return subprocess.run(["apache2", "-t", "-f", str(conf)], capture_output=True, text=True)


@pytest.mark.parametrize("mode", ["daemon", "embedded"])
def test_rendered_configuration_passes_apache2_t(tmp_path, mode):
    render(mode, tmp_path / "rendered")
    result = apache_accepts(tmp_path, tmp_path / "rendered")
    assert result.returncode == 0 and "Syntax OK" in result.stderr, result.stderr


def test_a_broken_template_value_is_caught(tmp_path):
    render("daemon", tmp_path / "rendered", "-e", "polls_app_daemon_processes=many")
    result = apache_accepts(tmp_path, tmp_path / "rendered")
    assert result.returncode != 0


def test_daemon_mode_directives(tmp_path):
    conf = render("daemon", tmp_path / "rendered")
    assert "WSGIRestrictEmbedded On" in conf["polls-wsgi"]
    assert "WSGIPythonHome" not in conf["polls-wsgi"]
    site = conf["polls-site"]
    assert "WSGIDaemonProcess polls" in site and "WSGIProcessGroup polls" in site
    for option in ("python-home=/srv/polls/venv", "display-name=%{GROUP}", "processes=2", "threads=5",
                   "request-timeout=60", "queue-timeout=45", "socket-timeout=60", "connect-timeout=15"):
        assert option in site, option
    assert "WSGIApplicationGroup %{GLOBAL}" in site


def test_embedded_mode_directives(tmp_path):
    conf = render("embedded", tmp_path / "rendered")
    server = conf["polls-wsgi"]
    assert "WSGIPythonHome /srv/polls/venv" in server and "WSGIPythonPath /srv/polls/app" in server
    assert "WSGIRestrictEmbedded" not in server
    assert "MaxRequestWorkers       50" in server and "MaxConnectionsPerChild  0" in server
    site = conf["polls-site"]
    assert "WSGIDaemonProcess" not in site and "WSGIProcessGroup" not in site
    assert "WSGIScriptAlias / /srv/polls/polls.wsgi" in site


def test_static_files_are_served_by_apache_with_far_future_caching(tmp_path):
    site = render("daemon", tmp_path / "rendered")["polls-site"]
    assert "Alias /static/ /srv/polls/static/" in site
    assert 'Header set Cache-Control "public, max-age=31536000, immutable"' in site
    assert "Alias /media/ /srv/polls/media/" in site
