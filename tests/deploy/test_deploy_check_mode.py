"""`scripts/deploy --check --diff`, as an operator runs it before every change.

On a converged host it must finish cleanly and report nothing to change; with
one setting changed it must report that change (with its diff) and change
nothing on the host.
"""

import hashlib
import json
import os
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

from deploylib import assert_playbook_ok, daemon_processes, run_playbook, wait_until

pytestmark = pytest.mark.deploy

ENV_FILE = Path("/etc/polls/env")


def fingerprint(path):
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), path.stat().st_mtime_ns


def test_check_on_a_converged_host_reports_nothing(deployed_site):
    run = run_playbook("--check", "--diff", name="check-converged")
    assert_playbook_ok(run)
    recap = run.recap()
    assert recap["failed"] == 0
    assert recap["changed"] == 0, f"--check would change: {run.changed_tasks()} (log: {run.log})"


def test_check_reports_changed_settings_and_changes_nothing(deployed_site):
    watched = [ENV_FILE, *sorted(Path("/etc/apache2/sites-available").glob("polls*.conf"))]
    before = {path: fingerprint(path) for path in watched}
    daemons_before = sorted(daemon_processes())
    mark = uuid.uuid4().hex
    # One setting that lives in the (secret) environment file, one in Apache's config.
    extra = json.dumps({"polls_app_extra_env": {"POLLS_CHECK_MARK": mark}, "polls_app_daemon_processes": 7})

    run = run_playbook("--check", "--diff", "-e", extra, name="check-changed-settings")

    assert_playbook_ok(run)
    assert run.recap()["failed"] == 0
    changed = run.changed_tasks()
    assert "polls_app : Write the environment file with the settings and secrets" in changed, changed
    assert "httpd : Render virtual hosts" in changed, changed
    # Apache's config is no secret: its diff shows what a real run would write.
    assert any(line.startswith("+") and "processes=7" in line for line in run.output.splitlines()), (
        f"no diff of the daemon sizing (log: {run.log})"
    )
    # The environment file holds secrets: it is reported, never shown.
    assert mark not in run.output
    # ...and nothing was written or restarted.
    assert {path: fingerprint(path) for path in watched} == before
    assert sorted(daemon_processes()) == daemons_before


def test_check_during_a_swift_background_pass_reports_nothing(deployed_site):
    """Without systemd, a Swift daemon's init script answers "running" for any
    process of that program, so also for one of cron's background passes
    (which at the lowest priority can take minutes): the role must not take
    such a pass for a service to stop."""
    replicator = subprocess.Popen(
        ["/usr/bin/swift-account-replicator", "/etc/swift/account-server.conf"],
        user="swift",
        group="swift",
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(
            lambda: (
                subprocess.run(["/etc/init.d/swift-account-replicator", "status"], capture_output=True).returncode == 0
            ),
            timeout=30,
            what="the init script to see the pass",
        )
        run = run_playbook("--check", "--diff", name="check-during-swift-pass")
        assert replicator.poll() is None, "the pass ended before the check did"
    finally:
        os.killpg(replicator.pid, signal.SIGTERM)
        replicator.wait(timeout=30)
    assert_playbook_ok(run)
    assert run.recap()["changed"] == 0, f"--check would change: {run.changed_tasks()} (log: {run.log})"
