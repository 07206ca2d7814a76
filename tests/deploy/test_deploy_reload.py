"""A changed setting reloads only the code: in daemon mode the playbook touches
the WSGI script, mod_wsgi replaces the daemon processes, and Apache itself
keeps running (same parent PID)."""

import json
import uuid
from pathlib import Path

import pytest
import requests

from deploylib import apache_pid, assert_playbook_ok, daemon_processes, run_playbook, wait_until

pytestmark = pytest.mark.deploy


def daemon_pids():
    return {pid for pid, _user in daemon_processes()}


def test_changed_settings_restart_the_daemons_but_not_apache(deployed_site):
    requests.get(deployed_site.url("/"), timeout=10)
    # An earlier test's reload may still be replacing a daemon process: a
    # process that noticed the touched script exits before Apache starts its
    # successor, so for a moment only one of the two is there.
    wait_until(lambda: len(daemon_pids()) == 2, timeout=30, interval=0.2, what="both daemon processes to run")
    apache_before, daemons_before = apache_pid(), daemon_pids()
    mark = uuid.uuid4().hex
    try:
        run = run_playbook("-e", json.dumps({"polls_app_extra_env": {"POLLS_RELOAD_MARK": mark}}), name="deploy-reload")
        assert_playbook_ok(run)
        changed = run.changed_tasks()
        assert "polls_app : Restart the daemon processes" in changed, changed
        assert not any(name.startswith("httpd : ") for name in changed), changed
        assert f"POLLS_RELOAD_MARK={mark}" in Path("/etc/polls/env").read_text()

        # mod_wsgi notices the touched script on the next request of each process.
        def replaced():
            requests.get(deployed_site.url("/runtime/json"), timeout=10)
            return not daemon_pids() & daemons_before

        wait_until(replaced, timeout=30, interval=0.2, what="the daemon processes to be replaced")
        assert apache_pid() == apache_before
        assert requests.get(deployed_site.url("/runtime/json"), timeout=10).json()["mode"] == "daemon"
    finally:
        assert_playbook_ok(run_playbook(name="deploy-reload-undo"))
    assert "POLLS_RELOAD_MARK" not in Path("/etc/polls/env").read_text()
