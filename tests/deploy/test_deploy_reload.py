"""A changed setting reloads only the code: in daemon mode the playbook
signals the daemon processes one at a time (polls_app_daemon_reload: signal,
the default), mod_wsgi replaces them while the others answer, and Apache
itself keeps running (same parent PID).
With polls_app_daemon_reload: touch, touching the WSGI script does the same,
as mod_wsgi's classic way; by default a touched script changes nothing."""

import json
import os
import re
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from deploylib import apache_pid, assert_playbook_ok, daemon_processes, run_playbook, wait_until

pytestmark = pytest.mark.deploy
WSGI_SCRIPT = Path("/srv/polls/polls.wsgi")
WSGI_CONF = Path("/etc/apache2/conf-enabled/polls-wsgi.conf")
SITE_CONF = Path("/etc/apache2/sites-enabled/polls.conf")
RESTART_DAEMONS = "/usr/local/sbin/polls-restart-daemons"


def daemon_pids():
    return {pid for pid, _user in daemon_processes()}


def both_daemons_running():
    # An earlier test's reload may still be replacing a daemon process: a
    # process that was told to restart exits before Apache starts its
    # successor, so for a moment only one of the two is there.
    wait_until(lambda: len(daemon_pids()) == 2, timeout=30, interval=0.2, what="both daemon processes to run")


class ReadyDaemons:
    """Samples, again and again until stopped, how many daemon
    processes have started their request threads (mod_wsgi starts them once
    the WSGI script is loaded): the processes that can answer."""

    def __init__(self):
        self.threads = int(re.search(r"WSGIDaemonProcess .*?threads=(\d+)", SITE_CONF.read_text(), re.S).group(1))
        self.counts, self.stop = [], threading.Event()
        self.sampler = threading.Thread(target=self._sample, daemon=True)

    def _ready(self):
        ready = 0
        for pid, _user in daemon_processes():
            try:
                lines = Path(f"/proc/{pid}/status").read_text().splitlines()
            except OSError:
                continue  # exited meanwhile
            threads = next(int(line.split()[1]) for line in lines if line.startswith("Threads:"))
            ready += threads >= self.threads
        return ready

    def _sample(self):
        while not self.stop.is_set():
            self.counts.append(self._ready())
            time.sleep(0.005)

    def __enter__(self):
        self.sampler.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        self.sampler.join(10)
        return False


def replaced(site, before):
    """True once no daemon process of `before` is left (asking for a page
    each time: a touched script is noticed on a process's next request)."""
    requests.get(site.url("/runtime/json"), timeout=10)
    return not daemon_pids() & before


def test_changed_settings_restart_the_daemons_but_not_apache(deployed_site):
    requests.get(deployed_site.url("/"), timeout=10)
    both_daemons_running()
    apache_before, daemons_before = apache_pid(), daemon_pids()
    mark = uuid.uuid4().hex
    try:
        with ReadyDaemons() as ready:
            run = run_playbook(
                "-e", json.dumps({"polls_app_extra_env": {"POLLS_RELOAD_MARK": mark}}), name="deploy-reload"
            )
        assert_playbook_ok(run)
        changed = run.changed_tasks()
        assert "polls_app : Restart the daemon processes one at a time (signal them)" in changed, changed
        assert "polls_app : Restart the daemon processes (touch the WSGI script)" not in changed, changed
        assert not any(name.startswith("httpd : ") for name in changed), changed
        assert f"POLLS_RELOAD_MARK={mark}" in Path("/etc/polls/env").read_text()

        wait_until(lambda: replaced(deployed_site, daemons_before), timeout=30, interval=0.2, what="new daemons")
        assert apache_pid() == apache_before
        assert requests.get(deployed_site.url("/runtime/json"), timeout=10).json()["mode"] == "daemon"
        # One at a time: while each process restarted, the other could answer.
        print(f"\ndaemon processes ready during the reload: {len(ready.counts)} samples, fewest {min(ready.counts)}")
        assert max(ready.counts) == 2, "the sampler never saw both daemon processes ready"
        assert min(ready.counts) >= 1, "every daemon process was restarting at the same moment"
    finally:
        assert_playbook_ok(run_playbook(name="deploy-reload-undo"))
    assert "POLLS_RELOAD_MARK" not in Path("/etc/polls/env").read_text()


def touch_wsgi_script():
    os.utime(WSGI_SCRIPT, (time.time(), time.time() + 1))


def test_a_touched_wsgi_script_changes_nothing_by_default(deployed_site):
    assert "WSGIScriptReloading Off" in WSGI_CONF.read_text()
    both_daemons_running()
    before = daemon_pids()
    touch_wsgi_script()
    for _ in range(20):
        assert requests.get(deployed_site.url("/runtime/json"), timeout=10).status_code == 200
        time.sleep(0.1)
    assert daemon_pids() == before


def test_touch_reload_restarts_the_daemons_when_the_wsgi_script_is_touched(deployed_site):
    try:
        assert_playbook_ok(run_playbook("-e", "polls_app_daemon_reload=touch", name="deploy-reload-touch"))
        assert "WSGIScriptReloading On" in WSGI_CONF.read_text()
        requests.get(deployed_site.url("/"), timeout=10)
        both_daemons_running()
        apache_before, daemons_before = apache_pid(), daemon_pids()
        touch_wsgi_script()
        wait_until(lambda: replaced(deployed_site, daemons_before), timeout=30, interval=0.2, what="new daemons")
        assert apache_pid() == apache_before
    finally:
        assert_playbook_ok(run_playbook(name="deploy-reload-touch-undo"))
    assert "WSGIScriptReloading Off" in WSGI_CONF.read_text()


def test_a_restart_whose_new_process_does_not_come_up_stops_there(deployed_site):
    # Asked to wait for more threads than a daemon process starts, the first
    # replacement never counts as ready: the restart gives up with a message
    # and leaves the processes it had not signalled yet running.
    both_daemons_running()
    before = daemon_pids()
    run = subprocess.run([RESTART_DAEMONS, "polls", "1000", "3"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, run
    assert "no new (wsgi:polls) process started its 1000 threads within 3 s" in run.stderr
    both_daemons_running()
    assert len(daemon_pids() & before) == 1
    assert requests.get(deployed_site.url("/runtime/json"), timeout=10).status_code == 200
