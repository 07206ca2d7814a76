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
