"""Running the playbook again on a deployed machine changes nothing."""

import pytest

from deploylib import assert_playbook_ok, run_playbook

pytestmark = pytest.mark.deploy


def test_second_run_changes_nothing(deployed_site):
    second = run_playbook(name="deploy-again")
    assert_playbook_ok(second)
    recap = second.recap()
    assert recap["failed"] == 0
    assert recap["changed"] == 0, f"tasks changed on a second run: {second.changed_tasks()} (log: {second.log})"

    # The last thing before the recap tells the operator where to browse.
    before_recap = second.output.split("PLAY RECAP", 1)[0]
    last_task = before_recap.rsplit("TASK [", 1)[1]
    assert last_task.startswith("Tell where to browse]"), f"the run does not end where to browse: {second.log}"
    assert "The site (daemon mode): https://127.0.0.1/" in last_task
