"""One variable switches a running deployment between daemon and embedded mode.

Marked mode_switch: tests/conftest.py runs these last, and the last one puts
the deployment back in daemon mode.
"""

import re
import subprocess

import pytest
import requests

from deploylib import admin_session, assert_playbook_ok, daemon_processes, run_playbook, wait_for_http

pytestmark = [pytest.mark.deploy, pytest.mark.mode_switch]


def runtime(site):
    return requests.get(site.url("/runtime/json"), timeout=10).json()


def running_mpm():
    """The MPM of the running server, as apache2ctl -V reports it."""
    out = subprocess.run(["apache2ctl", "-V"], capture_output=True, text=True, check=True).stdout
    return re.search(r"^Server MPM:\s+(\w+)", out, re.M).group(1)


def site_still_works(site):
    for path in ("/", "/polls/", "/books/", "/runtime/", "/admin/login/"):
        response = requests.get(site.url(path), timeout=10)
        assert response.status_code == 200, f"{path}: {response.status_code}"
    page = requests.get(site.url("/admin/login/"), timeout=10)
    css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page.text).group(1)
    assert "immutable" in requests.get(site.url(css), timeout=10).headers["Cache-Control"]
    assert "Site administration" in admin_session(site).get(site.url("/admin/"), timeout=10).text


def test_switch_to_embedded_mode(deployed_site):
    run = run_playbook("-e", "polls_app_wsgi_mode=embedded", name="deploy-embedded")
    assert_playbook_ok(run)
    wait_for_http(deployed_site.url("/"))

    info = runtime(deployed_site)
    assert info["mode"] == "embedded"
    assert info["process_group"] == ""
    assert info["user"] == "www-data"
    assert info["python_prefix"] == "/srv/polls/venv"
    assert daemon_processes() == []
    assert subprocess.run(["apache2ctl", "-t"], capture_output=True).returncode == 0
    # The same MPM as daemon mode: a thread per connection, no hand-off.
    assert info["mpm"] == "worker" and running_mpm() == "worker"
    site_still_works(deployed_site)


def test_embedded_mode_is_idempotent(deployed_site):
    run = run_playbook("-e", "polls_app_wsgi_mode=embedded", name="deploy-embedded-again")
    assert_playbook_ok(run)
    assert run.recap()["changed"] == 0, run.changed_tasks()


def test_embedded_mode_deploy_costs_a_graceful_restart(deployed_site, tmp_path):
    """New code in embedded mode means new Apache processes: a graceful restart.

    Measured and printed (no timing assertion): failed requests and the longest
    pause with no request completing, while a changed release is deployed.
    """
    import json
    import uuid

    from deploylib import BoundedLoad, apache_pid, apache_server_limit, apache_workers, changed_site_copy, wait_until

    marker = uuid.uuid4().hex
    changed = changed_site_copy(tmp_path, marker)
    apache_before = apache_pid()
    workers_before = set(apache_workers())
    with BoundedLoad(deployed_site.url("/polls/"), workers=6, max_seconds=300) as load:
        run = run_playbook(
            "-e",
            "polls_app_wsgi_mode=embedded",
            "-e",
            json.dumps({"polls_app_source_dir": f"{changed}/"}),
            name="deploy-embedded-changed",
        )
        wait_until(
            lambda: marker in requests.get(deployed_site.url("/"), timeout=10).text,
            timeout=60,
            what="the new release to answer",
        )
    print(f"\ndeploy of a changed release under load (embedded mode): {load.result.summary()}")
    if load.result.failures:
        print("failures:", load.result.failures)
    assert_playbook_ok(run)
    # The code reloads through the httpd role's own handler (apache2ctl -t, then
    # a graceful restart); polls_app keeps no Apache handler of its own.
    changed = run.changed_tasks()
    assert "polls_app : Reload Apache for the new code" in changed, changed
    assert "httpd : Reload apache2" in changed, changed
    assert apache_pid() == apache_before  # graceful: same parent, new children
    assert load.result.requests > 50, load.result.summary()
    # Every process of the new generation starts, not only those whose slots
    # the old one had left free when it began (the MPM's MinSpareThreads).
    # (Not mod_wsgi.maximum_processes: in embedded mode that is how many of
    # Apache's process slots were in use when the answering process started.)
    all_new_processes(apache_server_limit(), workers_before)


def all_new_processes(expected, workers_before):
    from deploylib import apache_workers, wait_until

    def settled():
        workers = set(apache_workers())
        return len(workers) == expected and not workers & workers_before

    wait_until(settled, timeout=30, what=f"{expected} Apache processes of the new generation")


def test_switch_back_to_daemon_mode(deployed_site):
    run = run_playbook(name="deploy-daemon-again")
    assert_playbook_ok(run)
    wait_for_http(deployed_site.url("/"))

    info = runtime(deployed_site)
    assert info["mode"] == "daemon" and info["user"] == "polls"
    assert {user for _, user in daemon_processes()} == {"polls"}
    assert running_mpm() == "worker"
    site_still_works(deployed_site)


def test_graceful_restart_brings_back_every_apache_process(deployed_site):
    """A graceful restart (a reload, logrotate's, an operator's) ends with the
    whole fixed set of Apache processes, in daemon mode as in embedded mode."""
    from deploylib import apache_server_limit, apache_workers

    workers_before = set(apache_workers())
    subprocess.run(["apache2ctl", "graceful"], check=True, capture_output=True)
    all_new_processes(apache_server_limit(), workers_before)
    site_still_works(deployed_site)
