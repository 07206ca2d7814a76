"""Releases: each deploy in its own directory, `current` switched atomically,
a deploy under load loses no request (daemon mode: the daemon processes are
replaced, Apache keeps running), and scripts/rollback goes back, or refuses
when the database has migrations the previous release lacks."""

import json
import re
import subprocess
import uuid
from pathlib import Path

import pytest
import requests

from deploylib import (
    REPO_ROOT,
    BoundedLoad,
    apache_pid,
    assert_playbook_ok,
    changed_site_copy,
    daemon_processes,
    live_release,
    polls_manage,
    run_playbook,
    run_rollback,
    wait_until,
)

pytestmark = pytest.mark.deploy
RELEASES = Path("/srv/polls/releases")


def git(*args):
    return subprocess.run(
        ["git", "-c", "safe.directory=*", *args], cwd=REPO_ROOT / "site", capture_output=True, text=True, check=True
    ).stdout.strip()


def deploy_tree(site_dir, name):
    return run_playbook("-e", json.dumps({"polls_app_source_dir": f"{site_dir}/"}), name=name)


def home_has(site, marker):
    return f"release-marker {marker}" in requests.get(site.url("/"), timeout=10).text


def assert_back_to(before, history_before):
    """`current` is the release before the test's, and the history is the one
    before the test's deploy, less the oldest releases pruned meanwhile (only
    polls_app_keep_releases are kept, the new one counted while it was live)."""
    current, history = live_release()
    assert current == before
    assert history and history == history_before[-len(history) :], (history, history_before)


def test_live_release_is_named_by_the_git_commit(deployed_site):
    current, history = live_release()
    commit = git("rev-parse", "--short=12", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=all", "--", ".")
    if dirty:
        assert re.fullmatch(rf"{commit}-[0-9a-f]{{10}}", current), current
    else:
        assert current == commit
    assert Path("/srv/polls/current").is_symlink()
    assert history[-1] == current
    site_conf = Path("/etc/apache2/sites-enabled/polls.conf").read_text()
    assert "python-path=/srv/polls/current" in site_conf
    assert "Alias /static/ /srv/polls/current/staticfiles/" in site_conf


def test_deploy_under_load_loses_no_request_then_rollback(deployed_site, tmp_path):
    before, history_before = live_release()
    apache_before = apache_pid()
    requests.get(deployed_site.url("/"), timeout=10)
    daemons_before = {pid for pid, _ in daemon_processes()}
    marker = uuid.uuid4().hex
    changed = changed_site_copy(tmp_path, marker)

    with BoundedLoad(deployed_site.url("/polls/"), workers=6, max_seconds=300) as load:
        run = deploy_tree(changed, "deploy-changed-release")
        wait_until(lambda: home_has(deployed_site, marker), timeout=30, what="the new release to answer")
    print(f"\ndeploy of a changed release under load (daemon mode): {load.result.summary()}")
    assert_playbook_ok(run)
    changed_tasks = run.changed_tasks()
    assert not any(name.startswith("httpd : ") for name in changed_tasks), changed_tasks
    assert load.result.requests > 50, load.result.summary()
    assert load.result.failed == 0, load.result.failures

    after, history = live_release()
    assert after != before and after.startswith("tree-") and history[-2:] == [before, after]
    assert apache_pid() == apache_before
    assert not {pid for pid, _ in daemon_processes()} & daemons_before
    kept = sorted(path.name for path in RELEASES.iterdir())
    assert len(kept) <= 5 and set(history) == set(kept), (kept, history)

    # One command goes back; the previous release answers again.
    with BoundedLoad(deployed_site.url("/polls/"), workers=4, max_seconds=120) as load:
        rollback = run_rollback()
        wait_until(lambda: not home_has(deployed_site, marker), timeout=30, what="the previous release to answer")
    print(f"rollback under load (daemon mode): {load.result.summary()}")
    assert rollback.returncode == 0, rollback.output[-3000:]
    assert load.result.failed == 0, load.result.failures
    assert_back_to(before, history_before)
    assert apache_pid() == apache_before


PROBE_MIGRATION = '''from django.db import migrations


class Migration(migrations.Migration):
    """Added by the rollback test: the previous release does not have it."""

    dependencies = [("polls", "{previous}")]
    operations = []
'''


def test_rollback_refuses_to_reverse_a_migration(deployed_site, tmp_path):
    before, history_before = live_release()
    migrations = sorted(p.stem for p in (REPO_ROOT / "site" / "polls" / "migrations").glob("[0-9][0-9][0-9][0-9]_*.py"))
    probe = f"{int(migrations[-1][:4]) + 1:04d}_rollback_probe"
    changed = changed_site_copy(
        tmp_path,
        uuid.uuid4().hex,
        {
            f"polls/migrations/{probe}.py": PROBE_MIGRATION.format(previous=migrations[-1]),
        },
    )
    assert_playbook_ok(deploy_tree(changed, "deploy-with-migration"))
    try:
        assert f"[X] {probe}" in polls_manage("showmigrations", "polls").stdout
        refused = run_rollback(name="rollback-refused")
        assert refused.returncode != 0
        assert f"polls.{probe}" in refused.output and "would have to be reversed" in refused.output, refused.output[
            -3000:
        ]
        assert live_release()[0] != before  # nothing switched
    finally:
        # Reverse it as the message says, then the rollback goes through.
        reverse = polls_manage("migrate", "polls", migrations[-1])
        assert reverse.returncode == 0, reverse.stderr
        rollback = run_rollback(name="rollback-after-reverse")
        assert rollback.returncode == 0, rollback.output[-3000:]
    assert_back_to(before, history_before)
    assert f"{probe}" not in polls_manage("showmigrations", "polls").stdout
